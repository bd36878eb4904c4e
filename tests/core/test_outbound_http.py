"""The guarded client: the SSRF rule on the address actually connected to, no redirects."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from omslink.core.errors import ValidationFailed
from omslink.core.outbound_http import (
    describe_failure,
    guarded_async_client,
    guarded_client,
    is_public_address,
    validate_target_url,
)
from tests.core.local_http import LocalServer, local_server

REFUSED = "non-public addresses are refused"


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with local_server() as running:
        yield running


@pytest.fixture
def guard_on(settings: Any) -> None:
    settings.OMSLINK_ALLOW_PRIVATE_WEBHOOK_TARGETS = False


@pytest.fixture
def guard_off(settings: Any) -> None:
    settings.OMSLINK_ALLOW_PRIVATE_WEBHOOK_TARGETS = True


def refusal(url: str) -> str:
    with guarded_client(timeout=2) as client, pytest.raises(httpx.ConnectError) as refused:
        client.post(url, content=b"{}")
    return str(refused.value)


@pytest.mark.usefixtures("guard_on")
@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "[::1]",
        "[::ffff:127.0.0.1]",
        "[::ffff:7f00:1]",
        "127.1",
        "2130706433",
        "0x7f000001",
    ],
)
def test_loopback_in_every_spelling_is_refused_before_anything_is_sent(
    server: LocalServer,
    host: str,
) -> None:
    port = server.url.rsplit(":", 1)[1]
    message = refusal(f"http://{host}:{port}/hook")
    assert REFUSED in message
    assert server.requests == []


@pytest.mark.usefixtures("guard_on")
@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/",
        "http://10.255.255.254:8080/",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://[::]/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://[::7f00:1]/",
        "http://[64:ff9b::a00:1]/",
        "http://[2002:a00:1::]/",
        "http://224.0.0.1/",
        "https://10.0.0.1/",
    ],
)
def test_private_link_local_and_wrapped_addresses_are_refused(url: str) -> None:
    assert REFUSED in refusal(url)


@pytest.mark.usefixtures("guard_off")
def test_the_setting_lets_private_targets_through(server: LocalServer) -> None:
    with guarded_client(timeout=2) as client:
        assert client.post(server.url + "/a", content=b"1").status_code == 204
        localhost = server.url.replace("127.0.0.1", "localhost")
        assert client.get(localhost + "/b").status_code == 204
    assert [r.path for r in server.requests] == ["/a", "/b"]


@pytest.mark.usefixtures("guard_off")
def test_redirects_are_answered_not_followed(server: LocalServer) -> None:
    with local_server() as target:
        server.answer(302, Location=target.url + "/elsewhere")
        with guarded_client(timeout=2) as client:
            response = client.post(server.url + "/hook", content=b"{}")
        assert response.status_code == 302
        assert response.headers["location"] == target.url + "/elsewhere"
        assert target.requests == []
    assert len(server.requests) == 1


@pytest.mark.usefixtures("guard_on")
def test_redirect_to_a_private_address_goes_nowhere_even_when_the_first_hop_is_allowed(
    settings: Any,
    server: LocalServer,
) -> None:
    server.answer(307, Location="http://169.254.169.254/latest/meta-data/")
    settings.OMSLINK_ALLOW_PRIVATE_WEBHOOK_TARGETS = True
    with guarded_client(timeout=2) as client:
        assert client.get(server.url).status_code == 307
    assert len(server.requests) == 1


def test_async_client_applies_the_same_rule(server: LocalServer, settings: Any) -> None:
    async def post(url: str) -> httpx.Response:
        async with guarded_async_client(timeout=2) as client:
            return await client.post(url, content=b"{}")

    def fetch(url: str) -> httpx.Response:
        # A loop of its own: Playwright's sync API may already run one in this thread.
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, post(url)).result()

    settings.OMSLINK_ALLOW_PRIVATE_WEBHOOK_TARGETS = False
    with pytest.raises(httpx.ConnectError, match=REFUSED):
        fetch(server.url.replace("127.0.0.1", "localhost"))
    assert server.requests == []
    settings.OMSLINK_ALLOW_PRIVATE_WEBHOOK_TARGETS = True
    server.answer(302, Location=server.url + "/again")
    assert fetch(server.url).status_code == 302
    assert len(server.requests) == 1


def test_proxies_from_the_environment_are_ignored(
    server: LocalServer, guard_off: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://10.0.0.1:3128")
    monkeypatch.setenv("ALL_PROXY", "http://10.0.0.1:3128")
    with guarded_client(timeout=2) as client:
        assert client.get(server.url).status_code == 204
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("1.1.1.1", True),
        ("2606:4700:4700::1111", True),
        ("64:ff9b::808:808", True),
        ("127.0.0.1", False),
        ("::1", False),
        ("10.1.2.3", False),
        ("172.31.255.255", False),
        ("192.168.0.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),  # noqa: S104 - a refused target
        ("::", False),
        ("::ffff:10.0.0.1", False),
        ("::7f00:1", False),
        ("2002:c0a8:101::", False),
        ("fe80::1%eth0", False),
        ("ff02::1", False),
        ("224.0.0.251", False),
        ("240.0.0.1", False),
        # Site-local (deprecated, still routed inside some networks), IPv4-translated (SIIT)
        # and local-use NAT64: Python calls them global; each leads into a private network.
        ("fec0::1", False),
        ("feff::1", False),
        ("::ffff:0:808:808", False),
        ("::ffff:0:a00:1", False),
        ("64:ff9b:1::808:808", False),
        ("64:ff9b:1:ffff::1", False),
    ],
)
def test_public_addresses(address: str, public: bool) -> None:
    assert is_public_address(address) is public


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "http:///path",
        "http://user:pw@example.com/",
        "http://user@example.com/",
        "http://example.com:0/",
        "http://example.com:70000/",
        "http://[::1/",
        "http://exa mple.com/",
        "http://example.com/\t",
        "https://example.com/" + "x" * 2048,
        "example.com/hook",
        "",
    ],
)
def test_target_urls_must_be_plain_http_urls(url: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        validate_target_url(url, field="webhook_url")
    assert refused.value.details[0]["field"] == "webhook_url"


@pytest.mark.parametrize(
    "url",
    [
        "https://oms.example.com/hooks/erp?tenant=7",
        "http://127.0.0.1:8000",
        "https://[2606:4700::1111]/x",
    ],
)
def test_good_target_urls_pass_their_form_check(url: str) -> None:
    assert validate_target_url(url, field="webhook_url") == url


@pytest.mark.usefixtures("guard_off")
def test_a_refused_connection_is_described_with_the_operating_systems_reason() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        closed_port = listener.getsockname()[1]
    with guarded_client(timeout=2) as client, pytest.raises(httpx.ConnectError) as failed:
        client.get(f"http://127.0.0.1:{closed_port}/")
    assert describe_failure(failed.value).endswith("(Connection refused)")
