"""Request and response shapes of API keys, the OMS app tests and OMS apps (CONTRACT §3, §4).

Requests check types and sizes; what a value means (a URL we may call, a secret we can sign
with, a key of this OU) is checked by the services, so Python callers get the same checks.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self

from ninja import Schema
from pydantic import Field, StrictStr

from omslink.connected_apps.models import ApiKey, OmsApp
from omslink.core.input_types import TRIMMED, Code, documented
from omslink.core.outbound_http import MAX_URL_LENGTH
from omslink.core.resources import Resource
from omslink.masters.models import OrgUnit
from omslink.webhooks.signing import MAX_SECRET_LENGTH

if TYPE_CHECKING:
    from omslink.connected_apps.connection_tests import ConnectionTestResult
    from omslink.connected_apps.services import IssuedApiKey

_PRINTABLE_TRIMMED = documented(TRIMMED, "Printable, without white space at either end")
Url = Annotated[
    StrictStr,
    Field(min_length=1, max_length=MAX_URL_LENGTH),
    documented(r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s\x00-\x1f\x7f-\x9f]+$", "An http or https URL"),
]
Secret = Annotated[StrictStr, Field(min_length=1, max_length=MAX_SECRET_LENGTH), _PRINTABLE_TRIMMED]
OptionalSecret = Annotated[StrictStr, Field(max_length=MAX_SECRET_LENGTH), _PRINTABLE_TRIMMED]
AppName = Annotated[StrictStr, Field(max_length=100), _PRINTABLE_TRIMMED]


class ApiKeyIn(Schema):
    org_unit: Code


class ApiKeyIssued(Resource):
    """The only answer that ever holds the key."""

    id: int
    key: str
    last4: str
    org_unit: str

    @classmethod
    def of(cls, issued: IssuedApiKey) -> Self:
        return cls(
            id=issued.api_key.pk,
            key=issued.key,
            last4=issued.api_key.last4,
            org_unit=issued.api_key.org_unit.code,
        )


class ApiKeyOut(Resource):
    id: int
    org_unit: str
    last4: str
    created_at: datetime
    created_by: str | None
    revoked: bool
    revoked_at: datetime | None
    revoked_by: str | None
    oms_app: int | None
    last_used_at: datetime | None = Field(
        description="when the key last authenticated a request, noted at most once a minute;"
        " null until then"
    )

    @classmethod
    def of(cls, api_key: ApiKey) -> Self:
        """A key as lists show it: the last four characters, never the key."""
        app = getattr(api_key, "oms_app", None)
        return cls(
            id=api_key.pk,
            org_unit=api_key.org_unit.code,
            last4=api_key.last4,
            created_at=api_key.created_at,
            created_by=api_key.created_by.username if api_key.created_by else None,
            revoked=api_key.revoked_at is not None,
            revoked_at=api_key.revoked_at,
            revoked_by=api_key.revoked_by.username if api_key.revoked_by else None,
            oms_app=app.pk if app is not None else None,
            last_used_at=api_key.last_used_at,
        )


class ApiKeyFilter(Schema):
    org_unit: Code | None = None


class PingApp(Resource):
    id: int
    name: str
    enabled: bool


class PingOut(Resource):
    org_unit: str
    app: PingApp | None

    @classmethod
    def of(cls, org_unit: OrgUnit, app: OmsApp | None) -> Self:
        return cls.model_validate(
            {
                "org_unit": org_unit.code,
                "app": None
                if app is None
                else {"id": app.pk, "name": app.name, "enabled": app.enabled},
            }
        )


class WebhookTestIn(Schema):
    webhook_url: Url
    webhook_secret: Secret
    encryption_key: OptionalSecret | None = None
    org_unit: Code | None = Field(
        default=None, description="Optional: named in the ping's envelope when given."
    )


class ApiTestIn(Schema):
    api_url: Url
    api_key: Secret
    org_unit: Code


class ConnectionTestOut(Resource):
    """CONTRACT §3's `{"ok", "status_code"?, "latency_ms"?, "error"?}`: absent values are left
    out (the routes answer with `exclude_none`)."""

    ok: bool
    status_code: int | None = None
    latency_ms: int | None = None
    error: str | None = None

    @classmethod
    def of(cls, result: ConnectionTestResult) -> Self:
        return cls(
            ok=result.ok,
            status_code=result.status_code,
            latency_ms=result.latency_ms,
            error=result.error,
        )

    def data(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class OmsAppIn(Schema):
    name: AppName = ""
    org_unit: Code
    webhook_url: Url
    webhook_secret: Secret
    encryption_key: OptionalSecret | None = None
    api_url: Url
    api_key: Secret


class OmsAppOut(Resource):
    id: int
    name: str
    org_unit: str
    webhook_url: str
    webhook_secret: str = Field(description='Masked, e.g. "whsec_…Xy9".')
    encryption_key: str | None = Field(description='Masked, e.g. "…k3Q", or null.')
    api_url: str
    api_key_last4: str
    enabled: bool
    created_at: datetime
    created_by: str

    @classmethod
    def of(cls, app: OmsApp) -> Self:
        """The app as CONTRACT §3 shows it; the stored hints are the only trace of the secrets."""
        return cls(
            id=app.pk,
            name=app.name,
            org_unit=app.org_unit.code,
            webhook_url=app.webhook_url,
            webhook_secret=app.webhook_secret_hint,
            encryption_key=app.encryption_key_hint or None,
            api_url=app.api_url,
            api_key_last4=app.api_key.last4,
            enabled=app.enabled,
            created_at=app.created_at,
            created_by=app.created_by.username,
        )
