"""Users change their own password from the link beside their name; other sessions end."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from omslink.accounts.models import SignInAttempt, UserSession
from tests.conftest import ROLES, ApiClient

PASSWORD = "correct-horse-9"
NEW = "new-battery-staple-7"
PAGE = "/account/password/"
WRONG = "wrong-password-0"
INCORRECT = "old password was entered incorrectly"
LOCKED = "Too many wrong passwords for this user name. Try again in 15 minutes."


def signed_in_client(username: str, password: str = PASSWORD) -> Client:
    client = Client(enforce_csrf_checks=True)
    assert client.login(username=username, password=password)
    client.get("/")
    return client


def change(client: Client, old: str, new1: str, new2: str | None = None) -> Any:
    return client.post(
        PAGE,
        {
            "old_password": old,
            "new_password1": new1,
            "new_password2": new1 if new2 is None else new2,
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )


@pytest.mark.parametrize("role", ROLES)
def test_changing_the_password_ends_the_other_sessions_only(make_user: Any, role: str) -> None:
    hana, token = make_user(role, "hana")
    make_user(role, "ivan")
    here, elsewhere, ivan = (
        signed_in_client("hana"),
        signed_in_client("hana"),
        signed_in_client("ivan"),
    )
    assert f'href="{PAGE}"' in here.get("/").content.decode(), "the link beside the name"
    assert UserSession.objects.filter(user=hana).count() == 2

    answer = change(here, PASSWORD, NEW)
    assert answer.status_code == 302
    home = here.get("/")
    assert home.status_code == 200, "this session goes on"
    assert "Your password is changed" in home.content.decode()
    assert elsewhere.get("/").status_code == 302, "the other session ended"
    assert UserSession.objects.filter(user=hana).count() == 1, "and is gone from the database"
    assert ivan.get("/").status_code == 200, "other users keep their sessions"
    assert ApiClient(token).get("/oms-apps").status in (200, 403), "tokens are not passwords"
    assert not Client().login(username="hana", password=PASSWORD)
    assert Client().login(username="hana", password=NEW)


def test_refusals_change_nothing(make_user: Any) -> None:
    hana, _ = make_user("Viewer", "hana")
    here, elsewhere = signed_in_client("hana"), signed_in_client("hana")
    for old, new1, new2, says in [
        ("wrong-password-0", NEW, NEW, "old password was entered incorrectly"),
        (PASSWORD, NEW, NEW + "x", "two password fields"),
        (PASSWORD, "short", "short", "too short"),
        (PASSWORD, "", "", "required"),
    ]:
        answer = change(here, old, new1, new2)
        assert answer.status_code == 422
        page = answer.content.decode()
        assert says in page and NEW not in page and PASSWORD not in page
    hana.refresh_from_db()
    assert hana.check_password(PASSWORD)
    assert elsewhere.get("/").status_code == 200 and here.get("/").status_code == 200


def test_the_tenth_wrong_current_password_locks_the_form_even_to_the_right_one(
    make_user: Any,
) -> None:
    hana, _ = make_user("Viewer", "hana")
    here, elsewhere = signed_in_client("hana"), signed_in_client("hana")
    for _ in range(5):
        assert Client().post("/login/", {"username": "HANA", "password": WRONG}).status_code == 200
    for _ in range(5):
        answer = change(here, WRONG, NEW)
        assert answer.status_code == 422 and INCORRECT in answer.content.decode()
    for old in (PASSWORD, WRONG):
        refused = change(here, old, NEW)
        assert refused.status_code == 429
        page = refused.content.decode()
        assert LOCKED in page and INCORRECT not in page and PASSWORD not in page
        assert 14 * 60 < int(refused["Retry-After"]) <= 15 * 60
    assert SignInAttempt.objects.filter(failed=True).count() == 10, "a refusal is not counted"
    hana.refresh_from_db()
    assert hana.check_password(PASSWORD), "nothing changed"
    assert elsewhere.get("/").status_code == 200 and here.get("/").status_code == 200
    signing_in = Client().post("/login/", {"username": "hana", "password": PASSWORD})
    assert signing_in.status_code == 429, "the sign-in page shares the lock"


def test_the_right_current_password_does_not_forgive_earlier_failures(make_user: Any) -> None:
    hana, _ = make_user("Viewer", "hana")
    here = signed_in_client("hana")
    for _ in range(9):
        assert change(here, WRONG, NEW).status_code == 422
    assert change(here, PASSWORD, NEW).status_code == 302, "nine failures do not lock"
    assert change(here, WRONG, PASSWORD + "-2").status_code == 422
    assert change(here, NEW, PASSWORD + "-2").status_code == 429
    hana.refresh_from_db()
    assert hana.check_password(NEW)


def test_only_a_signed_in_user_changes_a_password(db: None) -> None:
    answer = Client().get(PAGE)
    assert answer.status_code == 302 and answer["Location"].startswith("/login/")
    assert Client().post(PAGE, {"new_password1": NEW, "new_password2": NEW}).status_code == 302
    assert not User.objects.exists()
