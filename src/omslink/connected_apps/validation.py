"""Check an OMS app's connection settings before anything is sent or saved.

Every problem in one request is reported at once, each naming its field, so the form can mark
all of them; messages never repeat the secret they are about.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from omslink.core.errors import ValidationFailed
from omslink.core.outbound_http import validate_target_url
from omslink.masters.models import OrgUnit
from omslink.webhooks.signing import encryption_key_bytes, webhook_secret_bytes


@dataclass(frozen=True)
class WebhookSettings:
    url: str
    secret: str
    encryption_key: str | None


@dataclass(frozen=True)
class ApiSettings:
    base_url: str
    key: str


class Problems:
    """Collects field problems and raises them together as one 422."""

    def __init__(self) -> None:
        self.details: list[dict[str, Any]] = []

    def check(self, field: str, check: Callable[[], object]) -> None:
        try:
            check()
        except ValidationFailed as exc:
            self.details.extend(exc.details)
        except ValueError as exc:
            self.details.append({"field": field, "message": str(exc)})

    def add(self, field: str, message: str) -> None:
        self.details.append({"field": field, "message": message})

    def raise_any(self) -> None:
        if self.details:
            summary = "; ".join(f"{d['field']}: {d['message']}" for d in self.details[:3])
            raise ValidationFailed(summary, details=self.details)


def _plain_secret(value: str) -> None:
    # A pasted secret with a stray space or newline would sign differently from the receiver's.
    if value != value.strip():
        raise ValueError("must not start or end with white space")
    if not value.isprintable():
        raise ValueError("must not contain control characters")


def _secret(value: str) -> None:
    _plain_secret(value)
    webhook_secret_bytes(value)


def _encryption_key(value: str) -> None:
    _plain_secret(value)
    encryption_key_bytes(value)


def _base_url(value: str) -> None:
    validate_target_url(value, field="api_url")
    parts = urlsplit(value)
    if parts.query or parts.fragment or value.endswith(("?", "#")):
        raise ValueError("must be the ERP's base URL, without ? or #")


def webhook_settings(
    problems: Problems, *, webhook_url: str, webhook_secret: str, encryption_key: str | None
) -> WebhookSettings:
    """Check the Webhook Setting section; an empty encryption key means none."""
    problems.check("webhook_url", lambda: validate_target_url(webhook_url, field="webhook_url"))
    problems.check("webhook_secret", lambda: _secret(webhook_secret))
    key = encryption_key or None
    if key is not None:
        problems.check("encryption_key", lambda: _encryption_key(key))
    return WebhookSettings(url=webhook_url, secret=webhook_secret, encryption_key=key)


def api_settings(problems: Problems, *, api_url: str, api_key: str) -> ApiSettings:
    """Check the ERP API Setting section; the base URL loses any trailing slash."""
    problems.check("api_url", lambda: _base_url(api_url))
    if not api_key:
        problems.add("api_key", "is required")
    else:
        problems.check("api_key", lambda: _plain_secret(api_key))
    return ApiSettings(base_url=api_url.rstrip("/"), key=api_key)


def known_org_unit(problems: Problems, code: str, *, field: str = "org_unit") -> OrgUnit | None:
    org_unit = OrgUnit.objects.filter(code=code).first() if code else None
    if org_unit is None:
        problems.add(field, f"no org unit {code!r}" if code else "is required")
    return org_unit
