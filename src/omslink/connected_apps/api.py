"""API keys, the partner ping, and OMS apps (CONTRACT §3, §4)."""

from __future__ import annotations

from typing import Any, NoReturn

from django.http import HttpRequest
from ninja import Query, Router, Status

from omslink.api_auth import AnyCaller, caller_partner, caller_user, partner_key, staff
from omslink.connected_apps import services
from omslink.connected_apps.schemas import (
    ApiKeyFilter,
    ApiKeyIn,
    ApiKeyIssued,
    ApiKeyOut,
    ApiTestIn,
    ConnectionTestOut,
    OmsAppIn,
    OmsAppOut,
    PingOut,
    WebhookTestIn,
)
from omslink.connected_apps.selectors import api_key_by_id, api_keys, oms_app_by_id, oms_apps
from omslink.core.errors import MethodNotAllowed
from omslink.core.pagination import Page, PageQuery, page_of

router = Router(tags=["connected apps"])


@router.post("/api-keys", response={201: ApiKeyIssued}, auth=staff("api_keys_manage"))
def issue_api_key(request: HttpRequest, payload: ApiKeyIn) -> Status:
    issued = services.api_key_issue(org_unit=payload.org_unit, created_by=caller_user(request))
    return Status(201, ApiKeyIssued.of(issued))


@router.get("/api-keys", response=Page[ApiKeyOut], auth=staff("api_keys_manage"))
def list_api_keys(
    request: HttpRequest, query: Query[PageQuery], only: Query[ApiKeyFilter]
) -> dict[str, Any]:
    return page_of(api_keys(org_unit=only.org_unit), query, newest_first=True, render=ApiKeyOut.of)


@router.delete("/api-keys/{int:api_key_id}", response=ApiKeyOut, auth=staff("api_keys_manage"))
def revoke_api_key(request: HttpRequest, api_key_id: int) -> ApiKeyOut:
    """Revoke a key: 200 with the key as it now is (revoking twice changes nothing)."""
    revoked = services.api_key_revoke(
        api_key=api_key_by_id(api_key_id), revoked_by=caller_user(request)
    )
    return ApiKeyOut.of(revoked)


@router.get("/ping", response=PingOut, auth=partner_key())
def ping(request: HttpRequest) -> PingOut:
    """Answer for an API key whatever its app's state: the form's API test relies on it."""
    caller = caller_partner(request)
    return PingOut.of(caller.org_unit, caller.app)


@router.post(
    "/oms-apps/test-webhook",
    response=ConnectionTestOut,
    exclude_none=True,
    auth=staff("oms_apps_add"),
)
def test_webhook(request: HttpRequest, payload: WebhookTestIn) -> ConnectionTestOut:
    return ConnectionTestOut.of(services.oms_app_test_webhook(payload=payload))


@router.post(
    "/oms-apps/test-api", response=ConnectionTestOut, exclude_none=True, auth=staff("oms_apps_add")
)
def test_api(request: HttpRequest, payload: ApiTestIn) -> ConnectionTestOut:
    return ConnectionTestOut.of(services.oms_app_test_api(payload=payload))


@router.post("/oms-apps", response={201: OmsAppOut}, auth=staff("oms_apps_add"))
def create_oms_app(request: HttpRequest, payload: OmsAppIn) -> Status:
    user = caller_user(request)
    return Status(201, OmsAppOut.of(services.oms_app_create(created_by=user, payload=payload)))


@router.get("/oms-apps", response=Page[OmsAppOut], auth=staff("oms_apps_view"))
def list_oms_apps(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    return page_of(oms_apps(), query, newest_first=False, render=OmsAppOut.of)


@router.get("/oms-apps/{int:app_id}", response=OmsAppOut, auth=staff("oms_apps_view"))
def get_oms_app(request: HttpRequest, app_id: int) -> OmsAppOut:
    return OmsAppOut.of(oms_app_by_id(app_id))


@router.api_operation(
    ["PUT", "PATCH", "DELETE"], "/oms-apps/{int:app_id}", response={405: None}, auth=AnyCaller()
)
def edit_oms_app(request: HttpRequest, app_id: int) -> NoReturn:
    """Refuse every edit: an app's settings were proven by its tests and never change."""
    raise MethodNotAllowed(
        f"{request.method} is not allowed: an OMS app's fields cannot be changed once it is "
        f"added. Disable it (POST /api/v1/oms-apps/{app_id}/disable) and add a new app instead."
    )


@router.post("/oms-apps/{int:app_id}/enable", response=OmsAppOut, auth=staff("oms_apps_edit"))
def enable_oms_app(request: HttpRequest, app_id: int) -> OmsAppOut:
    user = caller_user(request)
    return OmsAppOut.of(services.oms_app_enable(oms_app=oms_app_by_id(app_id), by=user))


@router.post("/oms-apps/{int:app_id}/disable", response=OmsAppOut, auth=staff("oms_apps_edit"))
def disable_oms_app(request: HttpRequest, app_id: int) -> OmsAppOut:
    user = caller_user(request)
    return OmsAppOut.of(services.oms_app_disable(oms_app=oms_app_by_id(app_id), by=user))
