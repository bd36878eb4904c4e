"""JSON endpoints behind the pages' buttons (Test, issue a key): the API's rules, a session's auth.

They are called by the page's own script with the session cookie and the CSRF token (Django's
CSRF middleware checks it before the view runs), answer what the matching API endpoint answers,
and refuse in the API's error shape, so the page can show the reason in place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from omslink.core.errors import ApplicationError, Forbidden, MethodNotAllowed, Unauthenticated
from omslink.core.json_body import parse_json_body
from omslink.core.middleware import error_response, json_request_refusal
from omslink.core.operations import CODENAMES, permission_name
from omslink.web.form_errors import in_words

JsonView = Callable[[HttpRequest, Any], Mapping[str, Any]]


def json_endpoint(
    codename: str, *, labels: Mapping[str, str] | None = None
) -> Callable[[JsonView], Callable[[HttpRequest], HttpResponse]]:
    """POST only, signed in, the role has the operation, a JSON body; errors as the API's.

    The page shows the error's message to a person, so a validation refusal's message is
    written in words, naming fields by the page's `labels`; the details stay the API's.
    """
    if codename not in CODENAMES:
        raise ValueError(f"unknown operation {codename}")

    def decorate(view: JsonView) -> Callable[[HttpRequest], HttpResponse]:
        @wraps(view)
        def endpoint(request: HttpRequest) -> HttpResponse:
            try:
                if request.method != "POST":
                    raise MethodNotAllowed(f"{request.method} is not allowed here; use POST.")
                if not request.user.is_authenticated:
                    raise Unauthenticated("Your session has ended; sign in again.")
                if not request.user.has_perm(permission_name(codename)):
                    raise Forbidden()
                refusal = json_request_refusal(request)
                if refusal is not None:
                    raise refusal
                return JsonResponse(dict(view(request, parse_json_body(request.body))))
            except ApplicationError as exc:
                exc.message = in_words(exc, labels or {})
                return error_response(exc)

        return endpoint

    return decorate
