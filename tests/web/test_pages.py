"""Sign-in, the start page and the menu: each role sees the links it may follow."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.http import StreamingHttpResponse
from django.test import Client

PASSWORD = "correct-horse-9"
MENU_LINKS = {
    "OMS Apps": "/admin/utilities/connected-apps/oms/",
    "API keys": "/admin/utilities/connected-apps/api-keys/",
    "Roles": "/admin/security/roles/",
    "Users": "/admin/security/users/",
    "Orders": "/orders/",
    "Pick lists": "/picklists/",
    "Stock": "/stock/",
    "Wholesale": "/wholesale/",
    "Webhook deliveries": "/webhooks/deliveries/",
}
SEEN_BY = {
    "Administrator": set(MENU_LINKS),
    "Warehouse": {"Orders", "Pick lists", "Stock", "Wholesale"},
    "Viewer": {
        "OMS Apps",
        "API keys",
        "Orders",
        "Pick lists",
        "Stock",
        "Wholesale",
        "Webhook deliveries",
    },
}


@pytest.mark.django_db
def test_pages_need_a_signed_in_user() -> None:
    for path in (
        "/",
        MENU_LINKS["OMS Apps"],
        MENU_LINKS["Roles"],
        MENU_LINKS["Users"],
        "/admin/utilities/connected-apps/oms/add/",
    ):
        answer = Client().get(path)
        assert answer.status_code == 302 and answer["Location"].startswith("/login/?next=")


def test_sign_in_and_out(make_user: Any) -> None:
    make_user("Viewer", "ivy")
    client = Client()
    assert client.get("/login/").status_code == 200
    wrong = client.post("/login/", {"username": "ivy", "password": "nope"})
    assert wrong.status_code == 200 and "did not match" in wrong.content.decode()
    hostile = client.post("/login/", {"username": "ivy\x00", "password": PASSWORD})
    assert hostile.status_code == 200
    assert client.get("/").status_code == 302
    signed_in = client.post("/login/", {"username": "ivy", "password": PASSWORD, "next": "/"})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/"
    assert "ivy" in client.get("/").content.decode()
    assert client.get("/login/").status_code == 302, "a signed-in user goes on to the start page"
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_sign_in_does_not_redirect_off_site(make_user: Any) -> None:
    make_user("Viewer", "jay")
    answer = Client().post(
        "/login/", {"username": "jay", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert answer.status_code == 302 and answer["Location"] == "/"


@pytest.mark.parametrize("role", list(SEEN_BY))
def test_menu_shows_what_the_role_may_open(make_user: Any, role: str) -> None:
    user, _ = make_user(role)
    client = Client()
    client.force_login(user)
    menu = client.get("/").content.decode().split('<nav class="menu"')[1].split("</nav>")[0]
    for label, href in MENU_LINKS.items():
        shown = f'href="{href}"' in menu
        assert shown is (label in SEEN_BY[role]), (role, label)
    assert ("Connected Apps" in menu) is ("OMS Apps" in SEEN_BY[role])
    assert ('<span class="menu-path">Security</span>' in menu) is ("Roles" in SEEN_BY[role])


def test_menu_links_the_oms_apps_and_security_pages_that_exist(make_user: Any) -> None:
    user, _ = make_user("Administrator")
    client = Client()
    client.force_login(user)
    for label in ("OMS Apps", "API keys", "Roles", "Users"):
        assert client.get(MENU_LINKS[label]).status_code == 200, label


@pytest.mark.parametrize("role", list(SEEN_BY))
def test_home_has_a_tile_for_every_menu_entry(make_user: Any, role: str) -> None:
    user, _ = make_user(role)
    client = Client()
    client.force_login(user)
    home = client.get("/").content.decode()
    menu = home.split('<nav class="menu"')[1].split("</nav>")[0]
    tiles = home.split('<ul class="tiles" id="tiles">')[1].split("</ul>")[0]
    menu_links = re.findall(r'href="([^"]+)"', menu)
    assert menu_links and re.findall(r'href="([^"]+)"', tiles) == menu_links
    for href in menu_links:
        assert client.get(href, follow=True).status_code == 200, (role, href)


def test_get_on_a_post_only_page_is_a_page_with_a_way_back(make_user: Any) -> None:
    user, _ = make_user("Administrator")
    client = Client()
    client.force_login(user)
    answer = client.get(
        "/admin/utilities/connected-apps/api-keys/issue/", HTTP_REFERER="http://testserver/orders/"
    )
    page = answer.content.decode()
    assert answer.status_code == 405 and answer["Allow"] == "POST"
    assert answer["Content-Type"].startswith("text/html")
    assert "Nothing to open here" in page and '<nav class="menu"' in page
    assert 'href="/orders/"' in page.split('id="method-not-allowed"')[1]
    outside = client.get("/picklists/create/", HTTP_REFERER="https://evil.example/x")
    assert outside.status_code == 405
    assert "evil.example" not in outside.content.decode()
    api = client.get("/api/v1/oms-apps/test-webhook")
    assert api["Content-Type"].startswith("application/json"), "the API keeps its error shape"


@pytest.mark.django_db
def test_favicon_is_served_and_linked() -> None:
    icon = Client().get("/static/omslink/favicon.svg")
    assert icon.status_code == 200 and isinstance(icon, StreamingHttpResponse)
    assert b"<svg" in icon.getvalue()
    login = Client().get("/login/").content.decode()
    assert '<link rel="icon" href="/static/omslink/favicon.svg"' in login


@pytest.mark.django_db
def test_static_files_and_unknown_pages() -> None:
    css = Client().get("/static/omslink/omslink.css")
    assert css.status_code == 200 and isinstance(css, StreamingHttpResponse)
    assert b".disable-app:hover" in css.getvalue()
    assert Client().get("/static/connected_apps/oms_app_form.js").status_code == 200
    assert Client().get("/healthz").content == b"ok"


def test_unknown_page_is_a_404_page(make_user: Any) -> None:
    user, _ = make_user("Viewer")
    client = Client()
    client.force_login(user)
    answer = client.get("/no/such/page/")
    assert answer.status_code == 404 and "Not found" in answer.content.decode()
