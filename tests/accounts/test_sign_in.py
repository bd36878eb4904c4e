"""The sign-in throttle (CONTRACT §10): ten failures for a user name lock it for 15 minutes."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.models import F
from django.test import Client

from omslink.accounts.models import SignInAttempt, SignInThrottle
from tests.conftest import ROLES

PASSWORD = "correct-horse-9"
LOCKED = "Too many wrong passwords for this user name."
MISMATCH = "did not match"


def sign_in(username: str, password: str, client: Client | None = None) -> Any:
    return (client or Client()).post("/login/", {"username": username, "password": password})


def fail(username: str, times: int) -> None:
    for _ in range(times):
        answer = sign_in(username, "wrong-password-0")
        assert answer.status_code == 200 and MISMATCH in answer.content.decode()


def assert_locked(answer: Any) -> None:
    assert answer.status_code == 429
    page = answer.content.decode()
    assert LOCKED in page and MISMATCH not in page
    assert 0 < int(answer["Retry-After"]) <= 15 * 60
    assert "_auth_user_id" not in answer.client.session


def signed_in(answer: Any) -> bool:
    return answer.status_code == 302 and "_auth_user_id" in answer.client.session


def travel(minutes: float) -> None:
    """Move the throttle's clock: every stored time goes back as if that much time passed."""
    delta = timedelta(minutes=minutes)
    SignInAttempt.objects.update(at=F("at") - delta)
    SignInThrottle.objects.update(updated_at=F("updated_at") - delta)
    SignInThrottle.objects.filter(locked_until__isnull=False).update(
        locked_until=F("locked_until") - delta
    )


@pytest.mark.parametrize("role", ROLES)
def test_the_tenth_failure_locks_even_the_right_password_out(make_user: Any, role: str) -> None:
    make_user(role, "hana")
    fail("hana", 9)
    assert signed_in(sign_in("hana", PASSWORD)), "nine failures do not lock"
    fail("hana", 1)
    locked = sign_in("hana", PASSWORD)
    assert_locked(locked)
    assert int(locked["Retry-After"]) > 14 * 60, "fifteen minutes from the tenth failure"
    assert_locked(sign_in("hana", "wrong-password-0"))
    make_user(role, "ivan")
    assert signed_in(sign_in("ivan", PASSWORD)), "other user names are not affected"


def test_the_eleventh_attempt_is_refused_without_a_password_check(make_user: Any) -> None:
    make_user("Viewer", "hana")
    fail("hana", 10)
    assert SignInAttempt.objects.filter(failed=True).count() == 10
    assert_locked(sign_in("hana", "wrong-password-0"))
    assert SignInAttempt.objects.count() == 10, "a refused attempt is not counted or checked"


def test_user_names_are_compared_case_insensitively(make_user: Any) -> None:
    make_user("Viewer", "hana")
    for spelling in ("HANA", "Hana", "hAnA", "hana", "HANA"):
        fail(spelling, 2)
    assert_locked(sign_in("hana", PASSWORD))
    assert_locked(sign_in("HaNa", PASSWORD))
    assert SignInThrottle.objects.get().username_key == "hana"


def test_unknown_user_names_are_throttled_alike(db: None) -> None:
    fail("ghost", 10)
    assert_locked(sign_in("ghost", "anything-at-all"))


def test_the_lock_ends_fifteen_minutes_after_the_tenth_failure(make_user: Any) -> None:
    make_user("Warehouse", "hana")
    fail("hana", 10)
    travel(14)
    assert_locked(sign_in("hana", PASSWORD))
    travel(1)
    assert signed_in(sign_in("hana", PASSWORD))
    fail("hana", 9)
    assert signed_in(sign_in("hana", PASSWORD)), "the old failures left the window"


def test_failures_older_than_fifteen_minutes_do_not_count(make_user: Any) -> None:
    make_user("Viewer", "hana")
    fail("hana", 9)
    travel(15)
    fail("hana", 9)
    assert signed_in(sign_in("hana", PASSWORD))
    fail("hana", 1)
    assert_locked(sign_in("hana", PASSWORD))


def test_a_successful_sign_in_does_not_forgive_earlier_failures(make_user: Any) -> None:
    make_user("Viewer", "hana")
    fail("hana", 5)
    assert signed_in(sign_in("hana", PASSWORD))
    fail("hana", 5)
    assert_locked(sign_in("hana", PASSWORD))


def test_forgotten_user_names_are_cleaned_up(db: None) -> None:
    fail("ghost", 3)
    travel(16)
    fail("spectre", 1)
    assert list(SignInThrottle.objects.values_list("username_key", flat=True)) == ["spectre"]
    assert SignInAttempt.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_parallel_guesses_get_no_more_than_ten_password_checks(make_user: Any) -> None:
    make_user("Viewer", "hana")
    answers: list[int] = []
    start = threading.Barrier(20)

    def guess() -> None:
        try:
            start.wait()
            answers.append(sign_in("hana", "wrong-password-0").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=guess) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [200] * 10 + [429] * 10, answers
    assert SignInAttempt.objects.filter(failed=True).count() == 10
    assert_locked(sign_in("hana", PASSWORD))
