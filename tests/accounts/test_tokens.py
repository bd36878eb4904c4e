"""A personal token's "last used", kept to the minute without a write per request."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from omslink.accounts.models import PersonalToken
from tests.conftest import ApiClient


def updates_of_tokens(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("UPDATE") and "accounts_personaltoken" in q["sql"]
    ]


def test_last_used_is_written_at_most_once_a_minute(make_user: Any) -> None:
    user, token = make_user("Viewer")
    stored = PersonalToken.objects.get(user=user)
    assert stored.last_used_at is None
    client = ApiClient(token)

    before = timezone.now()
    with CaptureQueriesContext(connection) as first:
        assert client.get("/oms-apps").status == 200
    stored.refresh_from_db()
    assert stored.last_used_at is not None and before <= stored.last_used_at <= timezone.now()
    assert len(updates_of_tokens(first)) == 1
    noted = stored.last_used_at

    with CaptureQueriesContext(connection) as within_the_minute:
        for _ in range(3):
            assert client.get("/oms-apps").status == 200
    assert updates_of_tokens(within_the_minute) == [], "no write within the minute"
    stored.refresh_from_db()
    assert stored.last_used_at == noted

    an_hour_ago = timezone.now() - timedelta(hours=1)
    PersonalToken.objects.filter(pk=stored.pk).update(last_used_at=an_hour_ago)
    assert client.get("/oms-apps").status == 200
    stored.refresh_from_db()
    assert stored.last_used_at > an_hour_ago + timedelta(minutes=59)


def test_a_live_token_refused_an_operation_was_used_and_a_revoked_one_was_not(
    make_user: Any,
) -> None:
    user, token = make_user("Viewer")
    assert ApiClient(token).post("/api-keys", {"org_unit": "OU1"}).status == 403
    assert PersonalToken.objects.get(user=user).last_used_at is not None
    PersonalToken.objects.filter(user=user).update(revoked_at=timezone.now(), last_used_at=None)
    assert ApiClient(token).get("/oms-apps").status == 401
    assert PersonalToken.objects.get(user=user).last_used_at is None, "a revoked token is unused"
