"""Read OMS apps and API keys as the API and the pages show them: secrets only ever masked."""

from __future__ import annotations

from django.db.models import QuerySet

from omslink.connected_apps.models import ApiKey, OmsApp, OmsAppAudit
from omslink.core.ids import row_by_id


def oms_apps() -> QuerySet[OmsApp]:
    return OmsApp.objects.select_related("org_unit", "api_key", "created_by")


def oms_app_by_id(app_id: int, *, lock: bool = False) -> OmsApp:
    apps = oms_apps().select_for_update(of=("self",)) if lock else oms_apps()
    return row_by_id(apps, app_id, what="OMS app")


def oms_app_history(app: OmsApp) -> QuerySet[OmsAppAudit]:
    return app.audit.select_related("by").order_by("at", "pk")


def api_keys(*, org_unit: str | None = None) -> QuerySet[ApiKey]:
    keys = ApiKey.objects.select_related("org_unit", "created_by", "revoked_by", "oms_app")
    return keys.filter(org_unit__code=org_unit) if org_unit else keys


def api_key_by_id(api_key_id: int) -> ApiKey:
    return row_by_id(api_keys(), api_key_id, what="API key")
