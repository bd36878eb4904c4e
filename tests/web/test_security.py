"""OMSLINK_HTTPS and the Content-Security-Policy (CONTRACT §10)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings

import omslink

PASSWORD = "correct-horse-9"
HTTPS_SETTINGS = (
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SECURE_REDIRECT_EXEMPT",
    "SECURE_HSTS_SECONDS",
)
TEMPLATES = sorted(Path(omslink.__file__).parent.glob("**/templates/**/*.html"))


def settings_with(tmp_path: Path, **env: str) -> dict[str, Any]:
    """What omslink.settings makes of this environment, read in a fresh interpreter."""
    names = json.dumps(HTTPS_SETTINGS)
    code = (
        "import json, omslink.settings as s; "
        f"print(json.dumps({{n: getattr(s, n, None) for n in {names}}}))"
    )
    environ = {name: value for name, value in os.environ.items() if name != "OMSLINK_HTTPS"}
    environ.update(OMSLINK_DATA_DIR=str(tmp_path), **env)
    done = subprocess.run(
        [sys.executable, "-c", code], env=environ, capture_output=True, text=True, check=True
    )
    values: dict[str, Any] = json.loads(done.stdout)
    return values


def test_https_settings_follow_the_environment(tmp_path: Path) -> None:
    on = settings_with(tmp_path, OMSLINK_HTTPS="1")
    assert on["SESSION_COOKIE_SECURE"] is True and on["CSRF_COOKIE_SECURE"] is True
    assert on["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert on["SECURE_SSL_REDIRECT"] is True
    assert on["SECURE_HSTS_SECONDS"] >= 365 * 24 * 60 * 60
    off = settings_with(tmp_path)
    assert all(off[name] is None for name in HTTPS_SETTINGS), off


@pytest.fixture
def https(tmp_path: Path) -> Any:
    """The settings OMSLINK_HTTPS=1 gives, applied to this test's server."""
    values = settings_with(tmp_path, OMSLINK_HTTPS="1")
    values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    with override_settings(**values):
        yield


def test_behind_a_tls_proxy(https: None, make_user: Any) -> None:
    make_user("Viewer", "hana")
    plain = Client().get("/login/?next=/stock/")
    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/login/?next=/stock/"
    assert Client().post("/api/v1/orders", {}).status_code == 301
    health = Client().get("/healthz")
    assert health.status_code == 200 and health.content == b"ok", "load balancers use HTTP"

    browser = Client(headers={"X-Forwarded-Proto": "https"})
    page = browser.get("/login/")
    assert page.status_code == 200
    max_age = int(page["Strict-Transport-Security"].removeprefix("max-age="))
    assert max_age >= 365 * 24 * 60 * 60
    assert page.cookies["csrftoken"]["secure"] is True
    signed_in = browser.post("/login/", {"username": "hana", "password": PASSWORD})
    assert signed_in.status_code == 302 and signed_in.cookies["sessionid"]["secure"] is True
    assert browser.get("/").status_code == 200

    spoofed = Client(headers={"X-Forwarded-Proto": "http"}).get("/login/")
    assert spoofed.status_code == 301


def test_without_https_cookies_are_not_secure(make_user: Any) -> None:
    make_user("Viewer", "hana")
    client = Client()
    page = client.get("/login/")
    assert "Strict-Transport-Security" not in page
    assert page.cookies["csrftoken"]["secure"] == ""
    assert client.post("/login/", {"username": "hana", "password": PASSWORD}).status_code == 302


def assert_policy(answer: Any) -> None:
    assert answer["Content-Type"].startswith("text/html")
    policy = answer["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert "unsafe-inline" not in directives["default-src"]


@override_settings(ROOT_URLCONF="tests.web.failing_urls")
def test_every_html_answer_carries_the_policy(make_user: Any) -> None:
    make_user("Viewer", "vera")
    assert_policy(Client().get("/login/"))
    viewer = Client(raise_request_exception=False)
    assert viewer.login(username="vera", password=PASSWORD)
    for path, status in [
        ("/", 200),
        ("/no-such-page/", 404),
        ("/admin/security/roles/", 403),
        ("/failing-page/", 500),
    ]:
        answer = viewer.get(path)
        assert answer.status_code == status, path
        assert_policy(answer)
    broken = viewer.get("/failing-page/").content.decode()
    assert "Something went wrong" in broken and "a bug, on purpose" not in broken
    docs = Client().get("/api/v1/docs")
    assert_policy(docs)
    assert "cdn" not in docs.content.decode().lower(), "the docs page loads nothing from a CDN"


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
SCRIPT_URL = re.compile(r"""=\s*["']?\s*javascript:""", re.IGNORECASE)


def test_no_template_has_inline_script() -> None:
    assert len(TEMPLATES) > 20, "the templates were found"
    for template in TEMPLATES:
        text = template.read_text()
        for pattern in (INLINE_SCRIPT, EVENT_HANDLER, SCRIPT_URL):
            assert not pattern.search(text), f"{template}: {pattern.search(text)}"


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        '<SCRIPT type="module">x()</SCRIPT>',
        '<button onclick="go()">',
        "<a href='javascript:go()'>",
        '<body\n  onload="go()">',
    ],
)
def test_the_template_scan_catches_inline_script(snippet: str) -> None:
    assert any(p.search(snippet) for p in (INLINE_SCRIPT, EVENT_HANDLER, SCRIPT_URL))
    allowed = '<script src="/static/omslink/omslink.js" defer></script><p data-confirm="on=1">'
    assert not any(p.search(allowed) for p in (INLINE_SCRIPT, EVENT_HANDLER, SCRIPT_URL))
