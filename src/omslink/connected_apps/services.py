"""API keys and OMS apps: issue and revoke keys, test connections, add, enable and disable apps.

Connection tests talk to the network, so they run before any transaction opens; the save that
follows re-checks under lock everything the tests could not hold still.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from omslink.connected_apps.connection_tests import (
    ConnectionTestResult,
    api_connection_test,
    connection_test_slot,
    webhook_connection_test,
)
from omslink.connected_apps.models import ApiKey, OmsApp, OmsAppAudit
from omslink.connected_apps.schemas import ApiTestIn, ConnectionTestOut, OmsAppIn, WebhookTestIn
from omslink.connected_apps.selectors import api_key_by_id, oms_app_by_id
from omslink.connected_apps.validation import (
    ApiSettings,
    Problems,
    WebhookSettings,
    api_settings,
    known_org_unit,
    webhook_settings,
)
from omslink.core.crypto import (
    API_KEY_PREFIX,
    encrypt_secret,
    mask_tail,
    new_token,
    reencrypt_secret,
    token_hash,
)
from omslink.core.errors import Conflict, ConnectionTestFailed, ValidationFailed
from omslink.core.transactions import transactional
from omslink.masters.models import OrgUnit
from omslink.webhooks.services import relays_wake

logger = logging.getLogger(__name__)

MAX_APP_NAME = 100
# How long a key issued from the Add form stays live without an app saved with it.
PROVISIONAL_KEY_LIFETIME = timedelta(minutes=30)


@dataclass(frozen=True)
class IssuedApiKey:
    """A new key and its plaintext, which exists only in this answer."""

    api_key: ApiKey
    key: str


@transactional
def api_key_issue(
    *, org_unit: str, created_by: User | None, provisional: bool = False
) -> IssuedApiKey:
    """Issue a partner API key for an OU; only its hash is stored.

    A provisional key (the Add form's) lapses after `PROVISIONAL_KEY_LIFETIME` unless an OMS
    app is saved with it first, so a form that is abandoned or refused leaves no live key.
    """
    problems = Problems()
    owner = known_org_unit(problems, org_unit)
    problems.raise_any()
    assert owner is not None
    if provisional:
        # It is for a new app, which this OU cannot have while another is enabled.
        _refuse_second_enabled(owner)
    key = new_token(API_KEY_PREFIX)
    api_key = ApiKey.objects.create(
        org_unit=owner,
        key_hash=token_hash(key),
        last4=key[-4:],
        created_by=created_by,
        lapses_at=timezone.now() + PROVISIONAL_KEY_LIFETIME if provisional else None,
    )
    logger.info(
        "%s key …%s issued for %s",
        "Provisional API" if provisional else "API",
        api_key.last4,
        owner.code,
    )
    return IssuedApiKey(api_key=api_key, key=key)


@transactional
def api_key_revoke(*, api_key: ApiKey, revoked_by: User) -> ApiKey:
    """Revoke a key at once; revoking a revoked key changes nothing."""
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=revoked_by
    )
    logger.info("API key …%s of %s revoked", api_key.last4, api_key.org_unit.code)
    return api_key_by_id(api_key.pk)


def oms_app_test_webhook(*, payload: WebhookTestIn) -> ConnectionTestResult:
    """Send one signed ping to a webhook URL; nothing is saved."""
    problems = Problems()
    webhook = webhook_settings(
        problems,
        webhook_url=payload.webhook_url,
        webhook_secret=payload.webhook_secret,
        encryption_key=payload.encryption_key,
    )
    if payload.org_unit:
        known_org_unit(problems, payload.org_unit)
    problems.raise_any()
    with connection_test_slot():
        return webhook_connection_test(webhook, org_unit=payload.org_unit or None)


def oms_app_test_api(*, payload: ApiTestIn) -> ConnectionTestResult:
    """Call the ERP's ping with the key and check it answers for this OU; nothing is saved."""
    problems = Problems()
    api = api_settings(problems, api_url=payload.api_url, api_key=payload.api_key)
    known_org_unit(problems, payload.org_unit)
    problems.raise_any()
    with connection_test_slot():
        return api_connection_test(api, org_unit=payload.org_unit)


def _check_name(problems: Problems, name: str) -> None:
    if len(name) > MAX_APP_NAME:
        problems.add("name", f"must be at most {MAX_APP_NAME} characters")
    elif name != name.strip() or not name.isprintable():
        problems.add("name", "must be printable and not start or end with white space")


def _unlinked_key(org_unit: OrgUnit, key: str, *, lock: bool = False) -> ApiKey:
    """The live key of this OU that no app uses yet, else the reason why not."""
    keys = ApiKey.objects.filter(
        key_hash=token_hash(key), org_unit=org_unit, revoked_at__isnull=True
    )
    api_key = (keys.select_for_update() if lock else keys).first()
    if api_key is None:
        raise ValidationFailed.for_field(
            "api_key", f"is not an active API key of {org_unit.code} issued by this ERP"
        )
    if api_key.lapsed(timezone.now()):
        raise ValidationFailed.for_field(
            "api_key", "has lapsed: it was issued for a form that was not saved; issue a new key"
        )
    if OmsApp.objects.filter(api_key=api_key).exists():
        raise Conflict(
            f"API key …{api_key.last4} is used by another OMS app; issue a new key for this one."
        )
    return api_key


def _refuse_second_enabled(org_unit: OrgUnit, *, except_app: OmsApp | None = None) -> None:
    enabled = OmsApp.objects.filter(org_unit=org_unit, enabled=True)
    if except_app is not None:
        enabled = enabled.exclude(pk=except_app.pk)
    current = enabled.first()
    if current is not None:
        raise Conflict(
            f"{org_unit.code} already has an enabled OMS app ({current}); disable it first."
        )


@dataclass(frozen=True)
class _CheckedApp:
    name: str
    org_unit: OrgUnit
    webhook: WebhookSettings
    api: ApiSettings


def _checked_app(payload: OmsAppIn) -> _CheckedApp:
    problems = Problems()
    _check_name(problems, payload.name)
    owner = known_org_unit(problems, payload.org_unit)
    webhook = webhook_settings(
        problems,
        webhook_url=payload.webhook_url,
        webhook_secret=payload.webhook_secret,
        encryption_key=payload.encryption_key,
    )
    api = api_settings(problems, api_url=payload.api_url, api_key=payload.api_key)
    problems.raise_any()
    assert owner is not None
    return _CheckedApp(name=payload.name, org_unit=owner, webhook=webhook, api=api)


def oms_app_create(*, created_by: User, payload: OmsAppIn) -> OmsApp:
    """Add an OMS app, enabled, only if both connection tests pass for exactly these values.

    The webhook receiver and the ERP at `api_url` must be serving when this is called.
    """
    checked = _checked_app(payload)
    # Cheap refusals first, so a doomed request sends nothing.
    _unlinked_key(checked.org_unit, checked.api.key)
    _refuse_second_enabled(checked.org_unit)
    with connection_test_slot():
        results = {
            "webhook": webhook_connection_test(checked.webhook, org_unit=checked.org_unit.code),
            "api": api_connection_test(checked.api, org_unit=checked.org_unit.code),
        }
    failed = [
        {"test": test, **ConnectionTestOut.of(result).data()}
        for test, result in results.items()
        if not result.ok
    ]
    if failed:
        raise ConnectionTestFailed(
            "; ".join(f"{d['test']} test: {d['error']}" for d in failed) + ". Nothing was saved.",
            details=failed,
        )
    return _oms_app_save(checked, created_by=created_by)


@transactional
def _oms_app_save(checked: _CheckedApp, *, created_by: User) -> OmsApp:
    api_key = _unlinked_key(checked.org_unit, checked.api.key, lock=True)
    _refuse_second_enabled(checked.org_unit)
    encryption_key = checked.webhook.encryption_key
    try:
        with transaction.atomic():
            app = OmsApp.objects.create(
                name=checked.name,
                org_unit=checked.org_unit,
                webhook_url=checked.webhook.url,
                webhook_secret_encrypted=encrypt_secret(checked.webhook.secret),
                webhook_secret_hint=mask_tail(checked.webhook.secret),
                encryption_key_encrypted=encrypt_secret(encryption_key) if encryption_key else "",
                encryption_key_hint=mask_tail(encryption_key) if encryption_key else "",
                api_url=checked.api.base_url,
                api_key=api_key,
                enabled=True,
                created_by=created_by,
            )
    except IntegrityError as exc:
        # A concurrent add won the race for this OU or this key.
        raise Conflict("Another OMS app was just added for this org unit or API key.") from exc
    # The key is the app's now: a provisional one no longer lapses.
    ApiKey.objects.filter(pk=api_key.pk).update(lapses_at=None)
    OmsAppAudit.objects.create(app=app, action=OmsAppAudit.Action.ADDED, by=created_by)
    logger.info("OMS app %s added for %s by %s", app.pk, checked.org_unit.code, created_by.username)
    return app


@transactional
def oms_app_enable(*, oms_app: OmsApp, by: User) -> OmsApp:
    """Enable a disabled app; its held events then go out in order. Enabled already: no-op."""
    app = oms_app_by_id(oms_app.pk, lock=True)
    if app.enabled:
        return app
    if app.api_key.revoked_at is not None:
        raise ConnectionTestFailed(
            f"API key …{app.api_key.last4} of this app was revoked; add a new app with a new key.",
            details=[{"test": "api", "ok": False, "error": "the app's API key was revoked"}],
        )
    _refuse_second_enabled(app.org_unit, except_app=app)
    try:
        with transaction.atomic():
            OmsApp.objects.filter(pk=app.pk, enabled=False).update(enabled=True)
    except IntegrityError as exc:
        raise Conflict(f"{app.org_unit.code} already has an enabled OMS app.") from exc
    OmsAppAudit.objects.create(app=app, action=OmsAppAudit.Action.ENABLED, by=by)
    # Its held deliveries are due now: relays hear of it at commit, not at their next poll.
    relays_wake()
    logger.info("OMS app %s enabled by %s", app.pk, by.username)
    return oms_app_by_id(app.pk)


@transactional
def oms_app_disable(*, oms_app: OmsApp, by: User) -> OmsApp:
    """Disable an app: its key is refused with app_disabled, its events wait. Disabled: no-op."""
    app = oms_app_by_id(oms_app.pk, lock=True)
    if not app.enabled:
        return app
    OmsApp.objects.filter(pk=app.pk, enabled=True).update(enabled=False)
    OmsAppAudit.objects.create(app=app, action=OmsAppAudit.Action.DISABLED, by=by)
    logger.info("OMS app %s disabled by %s", app.pk, by.username)
    return oms_app_by_id(app.pk)


@transactional
def oms_app_secrets_reencrypt() -> int:
    """Re-encrypt every app's stored secrets with the first of OMSLINK_SECRET_KEYS.

    Run after prepending a new key; afterwards the older keys decrypt nothing and can be
    removed. Answers how many apps were rewritten.
    """
    apps = list(OmsApp.objects.select_for_update().order_by("pk"))
    for app in apps:
        app.webhook_secret_encrypted = reencrypt_secret(app.webhook_secret_encrypted)
        if app.encryption_key_encrypted:
            app.encryption_key_encrypted = reencrypt_secret(app.encryption_key_encrypted)
    OmsApp.objects.bulk_update(apps, ["webhook_secret_encrypted", "encryption_key_encrypted"])
    return len(apps)
