"""`omslink user create` and `omslink token create|revoke`, run as the installed command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection

from omslink.accounts.models import PersonalToken
from omslink.accounts.services import token_create, user_set_active
from omslink.cli import main
from omslink.core.crypto import token_hash
from tests.conftest import ApiClient, assert_error, built_in_roles_restore

OMSLINK = Path(sys.executable).parent / "omslink"


def run_omslink(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the installed console script with the test database as its DATABASE_URL."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        url = (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT'] or 5432}"
            f"/{db['NAME']}"
        )
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [str(OMSLINK), *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


@pytest.mark.django_db(transaction=True)
def test_the_installed_command_creates_a_user_and_a_working_token() -> None:
    built_in_roles_restore()
    created = run_omslink(
        "user", "create", "carol", "--password", "long-enough-9", "--role", "Viewer"
    )
    assert created.returncode == 0, created.stderr
    assert "carol" in created.stdout
    carol = User.objects.get(username="carol")
    assert [g.name for g in carol.groups.all()] == ["Viewer"]
    assert carol.password.startswith("pbkdf2_sha256$"), "production settings hash with PBKDF2"

    issued = run_omslink("token", "create", "carol")
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.strip().splitlines()[-1]
    assert token.startswith("omsu_")
    assert PersonalToken.objects.get(user=carol).token_hash == token_hash(token)
    assert ApiClient(token).get("/oms-apps").status == 200
    assert_error(ApiClient(token).get("/api-keys"), 403, "forbidden")

    again = run_omslink(
        "user", "create", "carol", "--password", "long-enough-9", "--role", "Viewer"
    )
    assert again.returncode != 0
    assert again.stderr.strip().splitlines() == ["omslink: A user named 'carol' exists already."]
    missing = run_omslink("token", "create", "nobody")
    assert missing.returncode != 0 and len(missing.stderr.strip().splitlines()) == 1
    assert PersonalToken.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (
            ["user", "create", "dave", "--password", "long-enough-9", "--role", "Boss"],
            "unknown role 'Boss'",
        ),
        (["user", "create", "dave", "--password", "short", "--role", "Viewer"], "password"),
        (
            ["user", "create", "da\tve", "--password", "long-enough-9", "--role", "Viewer"],
            "username",
        ),
        (
            ["user", "create", "d" * 151, "--password", "long-enough-9", "--role", "Viewer"],
            "username",
        ),
        (["token", "create", "nobody"], "No active user named 'nobody'"),
        (["token", "revoke", "nobody"], "No user named 'nobody'"),
    ],
)
def test_refusals_exit_non_zero_with_one_line(capsys: Any, argv: list[str], reason: str) -> None:
    assert main(argv) == 1
    out, err = capsys.readouterr()
    assert out == ""
    [line] = err.strip().splitlines()
    assert line.startswith("omslink: ") and reason in line
    assert not User.objects.filter(username__startswith="d").exists()
    assert not PersonalToken.objects.exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["user", "create"],
        ["token"],
        ["token", "revoke"],
        ["user", "create", "x"],
        ["frobnicate"],
        [],
    ],
)
def test_usage_mistakes_are_one_line(capsys: Any, argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("omslink")


@pytest.mark.django_db
def test_token_is_the_last_line_and_inactive_users_get_none(capsys: Any, admin: Any) -> None:
    assert (
        main(["user", "create", "erin", "--password", "long-enough-9", "--role", "Warehouse"]) == 0
    )
    capsys.readouterr()
    assert main(["token", "create", "erin"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    erin = User.objects.get(username="erin")
    assert PersonalToken.objects.get(user=erin).token_hash == token_hash(token)
    user_set_active(user=erin, active=False, by=admin[0])
    assert_error(ApiClient(token).get("/oms-apps"), 401, "unauthenticated")
    assert main(["token", "create", "erin"]) == 1
    assert "No active user named 'erin'" in capsys.readouterr().err
    assert PersonalToken.objects.filter(user=erin).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_installed_command_revokes_every_token_of_one_user(make_user: Any) -> None:
    hana, first = make_user("Viewer", "hana")
    second = token_create(user=hana)
    _, other = make_user("Viewer", "ivan")

    revoked = run_omslink("token", "revoke", "hana")
    assert revoked.returncode == 0, revoked.stderr
    assert revoked.stdout.strip() == "revoked 2 personal tokens of hana"
    for token in (first, second):
        assert_error(ApiClient(token).get("/oms-apps"), 401, "unauthenticated")
    assert ApiClient(other).get("/oms-apps").status == 200, "other users keep theirs"
    assert hana.is_active and User.objects.get(pk=hana.pk).is_active, "the user stays active"

    again = run_omslink("token", "revoke", "hana")
    assert again.returncode == 0 and again.stdout.strip() == "revoked 0 personal tokens of hana"
    fresh = token_create(user=hana)
    assert ApiClient(fresh).get("/oms-apps").status == 200, "a new token may be issued"
    assert PersonalToken.objects.filter(user=hana, revoked_at__isnull=True).count() == 1

    wrong_case = run_omslink("token", "revoke", "HANA")
    assert wrong_case.returncode == 1
    assert wrong_case.stderr.strip().splitlines() == ["omslink: No user named 'HANA'."]
    assert ApiClient(fresh).get("/oms-apps").status == 200
