"""The two connection tests over HTTP: a real signed ping to a real receiver, a real API call.

The receiver verifies every ping the way an OMS would (standardwebhooks, then joserfc), and
the API test calls this very server through `live_server`, as the product does.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from django.db import connection

from tests.conftest import ApiClient, Masters, assert_error
from tests.connected_apps.conftest import (
    ENCRYPTION_KEY,
    PLAIN_SECRET,
    WHSEC,
    issue_key,
    snapshot,
    verified_event,
)
from tests.core.local_http import LocalServer, local_server
from tests.webhooks.harness import wait_until


def webhook_test(api: ApiClient, url: str, secret: str = WHSEC, **extra: Any) -> Any:
    return api.post(
        "/oms-apps/test-webhook", {"webhook_url": url, "webhook_secret": secret, **extra}
    )


@pytest.mark.parametrize(
    ("secret", "encryption_key"),
    [(WHSEC, None), (PLAIN_SECRET, None), (WHSEC, ENCRYPTION_KEY), (PLAIN_SECRET, ENCRYPTION_KEY)],
)
def test_ping_is_signed_and_encrypted_as_the_receiver_expects(
    api: ApiClient,
    masters: Masters,
    receiver: LocalServer,
    secret: str,
    encryption_key: str | None,
) -> None:
    before = snapshot()
    extra = {"encryption_key": encryption_key} if encryption_key else {}
    answer = webhook_test(api, receiver.url + "/hooks/oms", secret, org_unit="OU1", **extra)
    assert answer.status == 200
    assert answer.body["ok"] is True and answer.body["status_code"] == 204
    assert isinstance(answer.body["latency_ms"], int) and "error" not in answer.body
    [request] = receiver.requests
    assert (request.method, request.path) == ("POST", "/hooks/oms")
    event = verified_event(request, secret, encryption_key)
    assert event["type"] == "ping" and event["org_unit"] == "OU1"
    assert event["id"] == request.headers["webhook-id"] and event["id"].startswith("evt_")
    assert event["sequence"] == 1 and event["ordering_key"] == f"ping:{event['id']}"
    assert snapshot() == before


def test_ping_without_org_unit_names_none(
    api: ApiClient, masters: Masters, receiver: LocalServer
) -> None:
    assert webhook_test(api, receiver.url, encryption_key="").body["ok"] is True
    assert verified_event(receiver.requests[0], WHSEC)["org_unit"] is None


@pytest.mark.parametrize("status", [400, 401, 404, 500, 503])
def test_a_non_2xx_answer_fails_once_without_retry(
    api: ApiClient, masters: Masters, receiver: LocalServer, status: int
) -> None:
    receiver.answer(status, b"nope")
    answer = webhook_test(api, receiver.url)
    assert answer.status == 200
    assert answer.body["ok"] is False and answer.body["status_code"] == status
    assert str(status) in answer.body["error"]
    assert len(receiver.requests) == 1


def test_a_redirect_is_a_failure_and_not_followed(
    api: ApiClient, masters: Masters, receiver: LocalServer
) -> None:
    with local_server() as elsewhere:
        receiver.answer(302, Location=elsewhere.url + "/moved")
        answer = webhook_test(api, receiver.url)
        assert answer.body["ok"] is False and answer.body["status_code"] == 302
        assert "redirect" in answer.body["error"]
        assert elsewhere.requests == []
    assert len(receiver.requests) == 1


def test_a_slow_receiver_times_out(
    api: ApiClient, masters: Masters, receiver: LocalServer, settings: Any
) -> None:
    settings.OMSLINK_WEBHOOK_TIMEOUT = 0.3
    receiver.delay_seconds = 1.5
    answer = webhook_test(api, receiver.url)
    assert answer.body["ok"] is False and "timed out" in answer.body["error"]
    assert "status_code" not in answer.body


def test_a_closed_port_is_a_failure(
    api: ApiClient, masters: Masters, private_targets: None
) -> None:
    with local_server() as gone:
        url = gone.url
    answer = webhook_test(api, url)
    assert answer.status == 200 and answer.body["ok"] is False and answer.body["error"]


def test_private_targets_are_refused_by_default(
    api: ApiClient, masters: Masters, settings: Any
) -> None:
    settings.OMSLINK_ALLOW_PRIVATE_WEBHOOK_TARGETS = False
    with local_server() as server:
        for host in ("127.0.0.1", "localhost"):
            url = server.url.replace("127.0.0.1", host)
            answer = webhook_test(api, url)
            assert answer.body["ok"] is False
            assert "non-public addresses are refused" in answer.body["error"]
        assert server.requests == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"webhook_url": "ftp://example.com/hook"}, "webhook_url"),
        ({"webhook_url": "http:///nohost"}, "webhook_url"),
        ({"webhook_url": "http://user:pw@example.com/"}, "webhook_url"),
        ({"webhook_url": "http://example.com:99999/"}, "webhook_url"),
        ({"webhook_url": "http://exa mple.com/"}, "webhook_url"),
        ({"webhook_url": "http://example.com/\n"}, "webhook_url"),
        ({"webhook_url": "http://example.com/" + "a" * 2100}, "webhook_url"),
        ({"webhook_url": ""}, "webhook_url"),
        ({"webhook_url": 5}, "webhook_url"),
        ({"webhook_secret": "short"}, "webhook_secret"),
        ({"webhook_secret": "whsec_!!!notbase64!!!"}, "webhook_secret"),
        ({"webhook_secret": "whsec_c2hvcnQ="}, "webhook_secret"),
        ({"webhook_secret": " " + PLAIN_SECRET}, "webhook_secret"),
        ({"webhook_secret": PLAIN_SECRET + "\u0007"}, "webhook_secret"),
        ({"webhook_secret": "x" * 257}, "webhook_secret"),
        ({"webhook_secret": None}, "webhook_secret"),
        ({"encryption_key": "not base64 at all"}, "encryption_key"),
        ({"encryption_key": "c2hvcnQ"}, "encryption_key"),
        ({"encryption_key": 32}, "encryption_key"),
        ({"org_unit": "OU9"}, "org_unit"),
    ],
)
def test_bad_webhook_settings_are_named_and_nothing_is_sent(
    api: ApiClient,
    masters: Masters,
    receiver: LocalServer,
    change: dict[str, Any],
    field: str,
) -> None:
    body = {"webhook_url": receiver.url, "webhook_secret": WHSEC, **change}
    error = assert_error(api.post("/oms-apps/test-webhook", body), 422, "validation_error")
    assert field in [d["field"] for d in error["details"]]
    assert receiver.requests == []
    for secret in (WHSEC, PLAIN_SECRET):
        assert secret not in str(error)


def test_missing_webhook_fields(api: ApiClient, masters: Masters) -> None:
    error = assert_error(api.post("/oms-apps/test-webhook", {}), 422, "validation_error")
    assert {d["field"] for d in error["details"]} == {"webhook_url", "webhook_secret"}
    assert_error(api.post("/oms-apps/test-webhook", raw=b"[1,"), 400, "malformed_json")


@pytest.mark.django_db(transaction=True)
def test_api_test_calls_our_ping_and_checks_the_org_unit(
    api: ApiClient, masters: Masters, live_server: Any, private_targets: None
) -> None:
    ou1_key, ou2_key = issue_key(api, "OU1"), issue_key(api, "OU2")
    before = snapshot()

    def api_test(key: str, org_unit: str = "OU1", url: str = live_server.url) -> Any:
        answer = api.post(
            "/oms-apps/test-api", {"api_url": url, "api_key": key, "org_unit": org_unit}
        )
        assert answer.status == 200, answer.body
        return answer.body

    passed = api_test(ou1_key, url=live_server.url + "/")
    assert passed["ok"] is True and passed["status_code"] == 200
    assert isinstance(passed["latency_ms"], int)
    wrong_ou = api_test(ou2_key)
    assert wrong_ou["ok"] is False and "OU2" in wrong_ou["error"]
    unknown = api_test("omsk_not-a-key")
    assert unknown["ok"] is False and unknown["status_code"] == 401
    personal = api_test(api.token or "")
    assert personal["ok"] is False and personal["status_code"] == 403
    not_omslink = api_test(ou1_key, url=live_server.url + "/nowhere")
    assert not_omslink["ok"] is False and not_omslink["status_code"] == 404
    for answer in (passed, wrong_ou, unknown, personal, not_omslink):
        assert ou1_key not in str(answer) and ou2_key not in str(answer)
    assert snapshot() == before


def test_api_test_against_a_server_that_is_not_omslink(
    api: ApiClient, masters: Masters, receiver: LocalServer
) -> None:
    key = issue_key(api)
    body = {"api_url": receiver.url, "api_key": key, "org_unit": "OU1"}
    receiver.answer(200, b"<html>hello</html>", Content_Type="text/html")
    assert api.post("/oms-apps/test-api", body).body["ok"] is False
    receiver.answer(302, Location=receiver.url + "/login")
    redirected = api.post("/oms-apps/test-api", body).body
    assert redirected["ok"] is False and "redirect" in redirected["error"]
    echo = json.dumps({"error": {"message": f"key {key} is not known here"}}).encode()
    receiver.answer(401, echo, Content_Type="application/json")
    echoed = api.post("/oms-apps/test-api", body).body
    assert "is not known here" in echoed["error"] and key not in str(echoed)
    receiver.answer(200, b'{"org_unit": "OU1", "app": null}', Content_Type="application/json")
    assert api.post("/oms-apps/test-api", body).body["ok"] is True
    [request, *_] = receiver.requests
    assert request.path == "/api/v1/ping"
    assert request.headers["authorization"] == f"Bearer {key}"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"api_url": "http://example.com/?x=1"}, "api_url"),
        ({"api_url": "http://example.com/#frag"}, "api_url"),
        ({"api_url": "javascript:alert(1)"}, "api_url"),
        ({"api_key": ""}, "api_key"),
        ({"api_key": " omsk_x"}, "api_key"),
        ({"api_key": "k" * 257}, "api_key"),
        ({"org_unit": "OU9"}, "org_unit"),
        ({"org_unit": None}, "org_unit"),
    ],
)
def test_bad_api_settings_are_named(
    api: ApiClient, masters: Masters, receiver: LocalServer, change: dict[str, Any], field: str
) -> None:
    body = {"api_url": receiver.url, "api_key": "omsk_x", "org_unit": "OU1", **change}
    error = assert_error(api.post("/oms-apps/test-api", body), 422, "validation_error")
    assert field in [d["field"] for d in error["details"]]
    assert receiver.requests == []


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_connection_tests_cannot_hold_every_server_thread(
    api: ApiClient, masters: Masters, receiver: LocalServer, settings: Any
) -> None:
    """Beyond the bound, a test is refused at once with 429, so other requests are served."""
    settings.OMSLINK_CONNECTION_TESTS_AT_ONCE = 2
    receiver.delay_seconds = 2.0
    answers: list[tuple[float, Any]] = []

    def one_test() -> None:
        started = time.monotonic()
        try:
            answer = webhook_test(ApiClient(api.token), receiver.url)
            answers.append((time.monotonic() - started, answer))
        finally:
            connection.close()

    burst = [threading.Thread(target=one_test) for _ in range(6)]
    for thread in burst:
        thread.start()
    wait_until(lambda: len(receiver.requests) == 2, what="two tests to reach the receiver")
    started = time.monotonic()
    assert api.get("/org-units").status == 200
    assert time.monotonic() - started < 1.5, "a request waited for the connection tests"
    for thread in burst:
        thread.join(30)
    refused = [answer for _, answer in answers if answer.status == 429]
    passed = [answer for _, answer in answers if answer.status == 200]
    assert len(passed) == 2 and all(answer.body["ok"] for answer in passed)
    assert len(refused) == 4
    for answer in refused:
        assert_error(answer, 429, "rate_limited")
        assert 1 <= int(answer.headers["Retry-After"]) <= 5
    assert all(seconds < 1.5 for seconds, answer in answers if answer.status == 429)
    assert len(receiver.requests) == 2
    receiver.delay_seconds = 0
    assert webhook_test(api, receiver.url).body["ok"] is True, "the slots were given back"
