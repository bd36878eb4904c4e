"""Who is calling the API: a user's personal token or an OU's API key (CONTRACT §2).

Both arrive as `Authorization: Bearer …`; the token's prefix says which table to look in.
Endpoints then ask for the kind of caller they serve and, for staff, the operation needed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja.security import HttpBearer

from omslink.accounts.models import PersonalToken
from omslink.connected_apps.models import ApiKey, OmsApp
from omslink.core.crypto import API_KEY_PREFIX, PERSONAL_TOKEN_PREFIX, token_hash
from omslink.core.errors import AppDisabled, Forbidden, Unauthenticated
from omslink.core.operations import permission_name
from omslink.masters.models import OrgUnit

MAX_TOKEN_LENGTH = 200


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
    """Find the live user or OU behind a bearer token, or refuse with 401."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise Unauthenticated()
    digest = token_hash(token)
    if token.startswith(PERSONAL_TOKEN_PREFIX):
        personal = (
            PersonalToken.objects.select_related("user")
            .filter(token_hash=digest, revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if personal is not None:
            return StaffCaller(user=personal.user)
    elif token.startswith(API_KEY_PREFIX):
        key = (
            ApiKey.objects.select_related("org_unit")
            .filter(key_hash=digest, revoked_at__isnull=True)
            .first()
        )
        if key is not None:
            app = OmsApp.objects.filter(api_key=key).first()
            return PartnerCaller(api_key=key, org_unit=key.org_unit, app=app)
    raise Unauthenticated()


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Caller:
        return resolve_bearer(token)


def staff_user(request: HttpRequest, operation: str) -> User:
    """The calling user, if their role has the operation; partner keys are refused."""
    caller = request.auth  # type: ignore[attr-defined]
    if not isinstance(caller, StaffCaller):
        raise Forbidden("This endpoint needs a personal token, not an API key.")
    if not caller.user.has_perm(permission_name(operation)):
        raise Forbidden()
    return caller.user


def partner_caller(request: HttpRequest) -> PartnerCaller:
    """The OU behind the calling API key, whatever its app's state; personal tokens are refused."""
    caller = request.auth  # type: ignore[attr-defined]
    if not isinstance(caller, PartnerCaller):
        raise Forbidden("This endpoint needs an OU's API key, not a personal token.")
    return caller


def partner_app(request: HttpRequest) -> OmsApp:
    """The enabled OMS app behind the calling API key; personal tokens are refused."""
    caller = partner_caller(request)
    if caller.app is None:
        raise Forbidden("No OMS app uses this API key yet; add the app first.")
    if not caller.app.enabled:
        raise AppDisabled()
    return caller.app
