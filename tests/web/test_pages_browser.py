"""The site's frame in Chromium: the menu on a phone, tiles, the Connected Apps landing page,
the favicon, a POST-only address opened directly, and times and statuses as people read them."""

from __future__ import annotations

import re
from typing import Any

import pytest

from omslink.core.operations import ADMINISTRATOR
from tests.conftest import Masters, Push, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


# The elements that reach past the right edge of the window (none, when nothing overflows).
BEYOND_THE_EDGE = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll("body *")]
    .filter((e) => e.getBoundingClientRect().right > width + 1 && !e.closest("table"))
    .map((e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + "." + e.className);
}"""


def overflows(page: Any) -> list[str]:
    scrolls = page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
    return page.evaluate(BEYOND_THE_EDGE) if scrolls else []


def test_every_menu_entry_is_reachable_at_390_px(
    page: Any, masters: Masters, make_user: Any
) -> None:
    make_user(ADMINISTRATOR, "phone")
    page.set_viewport_size(PHONE)
    sign_in(page, "phone")
    assert not overflows(page), "the start page fits the phone's width"
    menu = page.locator("nav.menu")
    top = [link.get_attribute("href") for link in menu.locator(":scope > a").all()]
    page.locator("nav.menu details.dropdown summary").click()
    admin_links = page.locator("nav.menu .dropdown-panel a")
    admin = [link.get_attribute("href") for link in admin_links.all()]
    assert "/orders/" in top and "/admin/utilities/connected-apps/api-keys/" in admin
    for href in top + admin:
        page.goto("/")
        if href in admin:
            page.locator("nav.menu details.dropdown summary").click()
        link = page.locator(f'nav.menu a[href="{href}"]')
        box = link.bounding_box()
        assert box is not None and link.is_visible(), href
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], href
        link.click()
        page.wait_for_url(f"**{href}**")
        assert page.locator("h1").first.is_visible(), href
        assert not overflows(page), f"{href} is wider than the phone: {overflows(page)}"


def test_tiles_breadcrumb_landing_favicon_and_post_only_addresses(
    page: Any, masters: Masters, make_user: Any
) -> None:
    make_user(ADMINISTRATOR, "walker")
    sign_in(page, "walker")
    menu_hrefs = [a.get_attribute("href") for a in page.locator("nav.menu a").all()]
    tile_hrefs = [a.get_attribute("href") for a in page.locator("#tiles a").all()]
    assert tile_hrefs == menu_hrefs

    icon = page.locator('link[rel="icon"]').get_attribute("href")
    assert page.request.get(icon).status == 200

    page.locator("#tiles").get_by_role("link", name=re.compile("^OMS Apps")).click()
    page.locator(".breadcrumbs").get_by_role("link", name="Connected Apps").click()
    page.wait_for_url("**/admin/utilities/connected-apps/")
    landing = page.locator("#connected-apps")
    assert landing.get_by_role("link", name=re.compile("^OMS Apps")).is_visible()
    landing.get_by_role("link", name=re.compile("^API keys")).click()
    page.wait_for_url("**/connected-apps/api-keys/")
    assert page.locator("h1").inner_text() == "API keys"

    answer = page.goto("/picklists/create/")
    assert answer is not None and answer.status == 405
    assert page.locator("#method-not-allowed h1").inner_text() == "Nothing to open here"
    page.get_by_role("link", name="Back to the start page").click()
    page.wait_for_url(lambda url: url.endswith("/"))
    assert page.locator("#tiles").is_visible()


def test_orders_and_pick_lists_show_local_times_statuses_and_units(
    page: Any, stocked: Masters, push: Push, make_user: Any
) -> None:
    order = push([("TEE-RED-M", 2), ("CAP-GRY", 3)])
    make_user(ADMINISTRATOR, "reader")
    sign_in(page, "reader")
    page.goto("/orders/")
    row = page.locator("#orders tbody tr", has_text=order).inner_text()
    cells = row.split("\t")
    assert cells[4] == "Reserved" and cells[5] == "5"
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}", cells[6]), cells[6]
    assert "T" not in cells[6] and "+00:00" not in row
    assert page.locator("#status option", has_text="Pick list made").count() == 1

    page.goto("/picklists/")
    page.get_by_label(f"Select {order}").check()
    page.get_by_role("button", name="Create pick list").click()
    page.wait_for_selector("#confirm-picking")
    made = page.locator("p", has_text="made by reader").inner_text()
    assert re.search(r"at \d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}", made), made
    assert page.inner_text("#picklist-status") == "Open"
    assert "Pick list made" in page.inner_text(f"#row-{order}")
