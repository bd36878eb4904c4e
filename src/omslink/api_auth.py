"""Who is calling the API: a user's personal token or an OU's API key (CONTRACT §2).

Both arrive as `Authorization: Bearer …`; the token's prefix says which table to look in.
Each route declares, with `Allow`, the kind of caller it serves and, for staff, the operation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from omslink.accounts.models import PersonalToken
from omslink.connected_apps.models import ApiKey, OmsApp
from omslink.core.crypto import API_KEY_PREFIX, PERSONAL_TOKEN_PREFIX, token_hash
from omslink.core.errors import AppDisabled, Forbidden, Unauthenticated
from omslink.core.ids import unique_row
from omslink.core.last_used import last_used_mark
from omslink.core.operations import CODENAMES, permission_name
from omslink.core.rate_limit import rate_limit
from omslink.masters.models import OrgUnit

MAX_TOKEN_LENGTH = 200
PartnerAccess = Literal["app", "key"]


@dataclass(frozen=True)
class StaffCaller:
    user: User


@dataclass(frozen=True)
class PartnerCaller:
    api_key: ApiKey
    org_unit: OrgUnit
    app: OmsApp | None


Caller = StaffCaller | PartnerCaller


def resolve_bearer(token: str) -> Caller:
    """Find the live user or OU behind a bearer token (401 if none), within its rate limit."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise Unauthenticated()
    digest = token_hash(token)
    caller = _caller_of(token, digest)
    rate_limit(f"token:{digest}")
    return caller


def _caller_of(token: str, digest: str) -> Caller:
    if token.startswith(PERSONAL_TOKEN_PREFIX):
        personal = unique_row(
            PersonalToken.objects.select_related("user").filter(
                token_hash=digest, revoked_at__isnull=True, user__is_active=True
            )
        )
        if personal is not None:
            last_used_mark(PersonalToken.objects.filter(pk=personal.pk), personal.last_used_at)
            return StaffCaller(user=personal.user)
    elif token.startswith(API_KEY_PREFIX):
        # The key, its OU and its app (with the app's OU, which services read) in one query:
        # every partner request pays for it, and nothing is cached, so a revoked key or a
        # disabled app is refused from the very next request.
        key = unique_row(
            ApiKey.objects.select_related("org_unit", "oms_app__org_unit").filter(
                key_hash=digest, revoked_at__isnull=True
            )
        )
        if key is not None and not key.lapsed(timezone.now()):
            last_used_mark(ApiKey.objects.filter(pk=key.pk), key.last_used_at)
            app: OmsApp | None = getattr(key, "oms_app", None)
            return PartnerCaller(api_key=key, org_unit=key.org_unit, app=app)
    raise Unauthenticated()


class AnyCaller(HttpBearer):
    """Any live token: for answers that are the same for everyone, such as a 405."""

    def authenticate(self, request: HttpRequest, token: str) -> Caller:
        return resolve_bearer(token)


class Allow(HttpBearer):
    """Who may call one operation, decided before ninja reads the body or the query.

    Every route names its `Allow`, so a caller without the operation gets 403 whatever it sent,
    and a route that forgot to say is refused to everyone (the API's default is `Allow()`).
    """

    def __init__(self, *, staff: str | None = None, partner: PartnerAccess | None = None) -> None:
        if staff is not None and staff not in CODENAMES:
            raise ValueError(f"unknown operation {staff}")
        self.staff = staff
        self.partner = partner
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str) -> Caller:
        caller = resolve_bearer(token)
        if isinstance(caller, StaffCaller):
            if self.staff is None:
                raise Forbidden("This endpoint needs an OU's API key, not a personal token.")
            if not caller.user.has_perm(permission_name(self.staff)):
                raise Forbidden()
        else:
            if self.partner is None:
                raise Forbidden("This endpoint needs a personal token, not an API key.")
            if self.partner == "app":
                if caller.app is None:
                    raise Forbidden("No OMS app uses this API key yet; add the app first.")
                if not caller.app.enabled:
                    raise AppDisabled()
        return caller


def staff(operation: str) -> Allow:
    """Personal tokens whose role has the operation."""
    return Allow(staff=operation)


def partner() -> Allow:
    """API keys of an enabled OMS app."""
    return Allow(partner="app")


def partner_key() -> Allow:
    """Any live API key, whatever its app's state (the ping)."""
    return Allow(partner="key")


def staff_or_partner(operation: str) -> Allow:
    """Either staff with the operation or the API key of an enabled OMS app."""
    return Allow(staff=operation, partner="app")


def is_staff(request: HttpRequest) -> bool:
    return isinstance(request.auth, StaffCaller)  # type: ignore[attr-defined]


def caller_user(request: HttpRequest) -> User:
    """The user behind a personal token `Allow` has admitted."""
    caller = request.auth  # type: ignore[attr-defined]
    assert isinstance(caller, StaffCaller), "route admits staff"
    return caller.user


def caller_partner(request: HttpRequest) -> PartnerCaller:
    """The OU and app behind an API key `Allow` has admitted."""
    caller = request.auth  # type: ignore[attr-defined]
    assert isinstance(caller, PartnerCaller), "route admits partners"
    return caller


def caller_app(request: HttpRequest) -> OmsApp:
    """The enabled OMS app behind an API key `partner()` has admitted."""
    app = caller_partner(request).app
    assert app is not None, "route admits apps only"
    assert app.enabled, "route admits enabled apps only"
    return app
