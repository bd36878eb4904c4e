"""Read OMS apps and API keys as the API and the pages show them: secrets only ever masked."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from omslink.connected_apps.models import ApiKey, OmsApp, OmsAppAudit
from omslink.core.ids import row_by_id


def oms_apps() -> QuerySet[OmsApp]:
    return OmsApp.objects.select_related("org_unit", "api_key", "created_by")


def oms_app_by_id(app_id: int, *, lock: bool = False) -> OmsApp:
    apps = oms_apps().select_for_update(of=("self",)) if lock else oms_apps()
    return row_by_id(apps, app_id, what="OMS app")


def oms_app_resource(app: OmsApp) -> dict[str, Any]:
    """The app as CONTRACT §3 shows it; the stored hints are the only trace of the secrets."""
    return {
        "id": app.pk,
        "name": app.name,
        "org_unit": app.org_unit.code,
        "webhook_url": app.webhook_url,
        "webhook_secret": app.webhook_secret_hint,
        "encryption_key": app.encryption_key_hint or None,
        "api_url": app.api_url,
        "api_key_last4": app.api_key.last4,
        "enabled": app.enabled,
        "created_at": app.created_at,
        "created_by": app.created_by.username,
    }


def oms_app_history(app: OmsApp) -> QuerySet[OmsAppAudit]:
    return app.audit.select_related("by").order_by("at", "pk")


def api_keys(*, org_unit: str | None = None) -> QuerySet[ApiKey]:
    keys = ApiKey.objects.select_related("org_unit", "created_by", "revoked_by", "oms_app")
    return keys.filter(org_unit__code=org_unit) if org_unit else keys


def api_key_by_id(api_key_id: int) -> ApiKey:
    return row_by_id(api_keys(), api_key_id, what="API key")


def api_key_resource(api_key: ApiKey) -> dict[str, Any]:
    """A key as lists show it: the last four characters, never the key."""
    app = getattr(api_key, "oms_app", None)
    return {
        "id": api_key.pk,
        "org_unit": api_key.org_unit.code,
        "last4": api_key.last4,
        "created_at": api_key.created_at,
        "created_by": api_key.created_by.username if api_key.created_by else None,
        "revoked": api_key.revoked_at is not None,
        "revoked_at": api_key.revoked_at,
        "revoked_by": api_key.revoked_by.username if api_key.revoked_by else None,
        "oms_app": app.pk if app is not None else None,
    }
