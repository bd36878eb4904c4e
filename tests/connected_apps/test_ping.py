"""GET /api/v1/ping: the OU behind an API key, whatever the state of its app (CONTRACT §4)."""

from __future__ import annotations

from typing import Any

from omslink.connected_apps.models import OmsApp
from tests.conftest import ApiClient, ConnectedApp, Masters, assert_error, connect_app
from tests.connected_apps.conftest import issue_key


def test_key_without_an_app_answers_for_its_org_unit(api: ApiClient, masters: Masters) -> None:
    answer = ApiClient(issue_key(api, "OU2")).get("/ping")
    assert answer.status == 200
    assert answer.body == {"org_unit": "OU2", "app": None}


def test_key_of_an_enabled_app_names_the_app(oms: ConnectedApp) -> None:
    answer = oms.client().get("/ping")
    assert answer.status == 200
    assert answer.body == {
        "org_unit": "OU1",
        "app": {"id": oms.app.pk, "name": "OMS for OU1", "enabled": True},
    }


def test_key_of_a_disabled_app_still_answers(masters: Masters, admin: Any) -> None:
    disabled = connect_app(masters.org_unit, admin[0], enabled=False)
    answer = disabled.client().get("/ping")
    assert answer.status == 200
    assert answer.body["app"] == {"id": disabled.app.pk, "name": "OMS for OU1", "enabled": False}
    assert OmsApp.objects.get().enabled is False


def test_each_key_answers_for_its_own_org_unit(oms: ConnectedApp, other_oms: ConnectedApp) -> None:
    assert oms.client().get("/ping").body["org_unit"] == "OU1"
    assert other_oms.client().get("/ping").body["org_unit"] == "OU2"


def test_personal_tokens_and_bad_keys_are_refused(api: ApiClient, oms: ConnectedApp) -> None:
    error = assert_error(api.get("/ping"), 403, "forbidden")
    assert "API key" in error["message"]
    assert_error(ApiClient(None).get("/ping"), 401, "unauthenticated")
    assert_error(ApiClient(oms.api_key + "x").get("/ping"), 401, "unauthenticated")
    assert_error(ApiClient("omsk_" + "a" * 5000).get("/ping"), 401, "unauthenticated")
    assert_error(ApiClient("nonsense").get("/ping"), 401, "unauthenticated")
    assert_error(api.post("/ping"), 405, "method_not_allowed")
