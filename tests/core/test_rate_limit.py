"""Rate limits: a token past its burst gets 429 with Retry-After and its request is not run."""

from __future__ import annotations

from typing import Any

import pytest

from omslink.masters.models import OrgUnit
from tests.conftest import ApiClient, assert_error

OU = {"name": "Limited", "gstin": "29ABCDE1234F1Z5", "state_code": "KA"}


@pytest.fixture
def tight_limit(settings: Any) -> None:
    settings.OMSLINK_API_RATE_LIMIT = 0.5
    settings.OMSLINK_API_RATE_BURST = 3


@pytest.mark.usefixtures("tight_limit")
def test_past_the_burst_a_token_gets_429_and_nothing_is_written(make_user: Any) -> None:
    flooder = ApiClient(make_user("Administrator")[1])
    answers = [flooder.post("/org-units", {**OU, "code": f"OU{n}"}) for n in range(5)]
    assert [answer.status for answer in answers] == [201, 201, 201, 429, 429]
    error = assert_error(answers[3], 429, "rate_limited")
    assert "retry" in error["message"]
    assert int(answers[3].headers["Retry-After"]) >= 1
    assert sorted(OrgUnit.objects.values_list("code", flat=True)) == ["OU0", "OU1", "OU2"]


@pytest.mark.usefixtures("tight_limit")
def test_each_token_has_its_own_bucket(make_user: Any) -> None:
    first = ApiClient(make_user("Viewer")[1])
    second = ApiClient(make_user("Viewer")[1])
    assert [first.get("/org-units").status for _ in range(4)][-1] == 429
    assert second.get("/org-units").status == 200


@pytest.mark.usefixtures("tight_limit")
def test_unknown_tokens_stay_401(db: None) -> None:
    stranger = ApiClient("omsu_nobody")
    assert {stranger.get("/org-units").status for _ in range(5)} == {401}
