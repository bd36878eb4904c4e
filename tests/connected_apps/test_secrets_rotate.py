"""`omslink secrets rotate`: after it, the old key can leave OMSLINK_SECRET_KEYS."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.fernet import Fernet

from omslink.cli import main
from omslink.connected_apps.models import OmsApp
from omslink.core.crypto import decrypt_secret
from tests.conftest import Masters, connect_app

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
ENCRYPTION_KEY = "q83vEjRWeJo5GRXEsJgrbBEjRWeJq83vEjRWeJq83vE"


@pytest.mark.django_db
def test_rotate_reencrypts_every_app_so_the_old_key_can_go(
    settings: Any, masters: Masters, admin: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.OMSLINK_SECRET_KEYS = [old]
    connect_app(masters.org_unit, admin[0], secret=SECRET, encryption_key=ENCRYPTION_KEY)
    connect_app(masters.other_org_unit, admin[0], secret=SECRET)
    settings.OMSLINK_SECRET_KEYS = [new, old]

    assert main(["secrets", "rotate"]) == 0

    assert "re-encrypted the secrets of 2 OMS apps" in capsys.readouterr().out
    settings.OMSLINK_SECRET_KEYS = [new]
    apps = OmsApp.objects.order_by("pk")
    assert [decrypt_secret(app.webhook_secret_encrypted) for app in apps] == [SECRET, SECRET]
    assert decrypt_secret(apps[0].encryption_key_encrypted) == ENCRYPTION_KEY
    assert apps[1].encryption_key_encrypted == ""


@pytest.mark.django_db
def test_rotate_without_the_key_that_encrypted_says_so_and_changes_nothing(
    settings: Any, masters: Masters, admin: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.OMSLINK_SECRET_KEYS = [Fernet.generate_key().decode()]
    connect_app(masters.org_unit, admin[0], secret=SECRET)
    before = list(OmsApp.objects.values_list("webhook_secret_encrypted", flat=True))
    settings.OMSLINK_SECRET_KEYS = [Fernet.generate_key().decode()]

    assert main(["secrets", "rotate"]) == 1

    assert "was a key removed" in capsys.readouterr().err
    assert list(OmsApp.objects.values_list("webhook_secret_encrypted", flat=True)) == before
