"""Request and response shapes of API keys, the OMS app tests and OMS apps (CONTRACT §3, §4).

Requests check types and sizes; what a value means (a URL we may call, a secret we can sign
with, a key of this OU) is checked by the services, so Python callers get the same checks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from ninja import Schema
from pydantic import Field, StrictStr

from omslink.core.input_types import TRIMMED, Code, documented
from omslink.core.outbound_http import MAX_URL_LENGTH
from omslink.webhooks.signing import MAX_SECRET_LENGTH

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


class ApiKeyIssued(Schema):
    """The only answer that ever holds the key."""

    id: int
    key: str
    last4: str
    org_unit: str


class ApiKeyOut(Schema):
    id: int
    org_unit: str
    last4: str
    created_at: datetime
    created_by: str | None
    revoked: bool
    revoked_at: datetime | None
    revoked_by: str | None
    oms_app: int | None


class ApiKeyFilter(Schema):
    org_unit: Code | None = None


class PingApp(Schema):
    id: int
    name: str
    enabled: bool


class PingOut(Schema):
    org_unit: str
    app: PingApp | None


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


class ConnectionTestOut(Schema):
    ok: bool
    status_code: int | None = None
    latency_ms: int | None = None
    error: str | None = None


class OmsAppIn(Schema):
    name: AppName = ""
    org_unit: Code
    webhook_url: Url
    webhook_secret: Secret
    encryption_key: OptionalSecret | None = None
    api_url: Url
    api_key: Secret


class OmsAppOut(Schema):
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
