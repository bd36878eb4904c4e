"""Page access: signed in and the role has the operation, else 403; hiding links is not enough.

A guarded view looks rows up with its domain's selectors and lets their `NotFound` through:
`operation_required` turns it into Django's 404 page, as the API turns it into its 404 answer.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBase

from omslink.core.errors import NotFound
from omslink.core.operations import CODENAMES, permission_name

View = Callable[..., HttpResponseBase]


def operation_required(codename: str) -> Callable[[View], View]:
    if codename not in CODENAMES:
        raise ValueError(f"unknown operation {codename}")

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.has_perm(permission_name(codename)):
                raise PermissionDenied
            try:
                return view(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404(exc.message) from exc

        return guarded

    return decorate


def signed_in_user(request: HttpRequest) -> User:
    """The user of a view that `operation_required` or a JSON endpoint has already let in."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user
