"""Accounts in Chromium: revoking a token behind a confirmation, changing one's password, the
sign-in throttle's page, and the API docs page working offline under the CSP."""

from __future__ import annotations

from typing import Any

import pytest

from omslink.accounts.models import PersonalToken
from tests.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_revoking_a_token_asks_first(page: Any, make_user: Any) -> None:
    make_user("Administrator", "boss")
    hana, token = make_user("Viewer", "hana")
    sign_in(page, "boss")
    page.goto("/admin/security/users/")
    page.click("text=hana")
    row = page.locator(f'tr[data-token="{token[-4:]}"]')
    assert "never" in row.inner_text()

    questions: list[str] = []

    def answer(dialog: Any, accept: bool) -> None:
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, accept=False))
    row.get_by_role("button", name="Revoke").click()
    assert questions == [
        f"Revoke token …{token[-4:]} of hana? "
        "Scripts using it stop working at once; this cannot be undone."
    ]
    assert PersonalToken.objects.get(user=hana).revoked_at is None, "dismissed: nothing happens"

    page.once("dialog", lambda dialog: answer(dialog, accept=True))
    row.get_by_role("button", name="Revoke").click()
    page.wait_for_selector(f"text=Token …{token[-4:]} is revoked.")
    assert PersonalToken.objects.get(user=hana).revoked_at is not None
    assert "Revoked" in page.locator(f'tr[data-token="{token[-4:]}"]').inner_text()


def test_changing_ones_password(page: Any, make_user: Any) -> None:
    make_user("Warehouse", "hana")
    sign_in(page, "hana")
    page.click("header >> text=Change password")
    page.fill("#id_old_password", "correct-horse-9")
    page.fill("#id_new_password1", "new-battery-staple-7")
    page.fill("#id_new_password2", "new-battery-staple-7")
    page.click("#password-change button[type=submit]")
    page.wait_for_selector("text=Your password is changed.")
    page.click("header >> text=Sign out")
    page.wait_for_url("**/login/")
    sign_in(page, "hana", "new-battery-staple-7")
    assert page.locator("header").inner_text().count("hana") == 1


def test_a_locked_user_name_is_told_so(page: Any, make_user: Any) -> None:
    make_user("Viewer", "hana")
    for _ in range(10):
        page.goto("/login/")
        page.fill("#id_username", "Hana")
        page.fill("#id_password", "wrong-password-0")
        page.click("button[type=submit]")
        page.wait_for_selector("text=did not match")
    page.goto("/login/")
    page.fill("#id_username", "hana")
    page.fill("#id_password", "correct-horse-9")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.click("button[type=submit]")
    assert posted.value.status == 429
    assert "Too many wrong passwords for this user name. Try again in 15 minutes." in (
        page.locator("[role=alert]").inner_text()
    )


def test_the_api_docs_work_without_internet(page: Any, live_server: Any) -> None:
    outside: list[str] = []

    def only_this_server(route: Any) -> None:
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    page.goto("/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "omslink" in page.locator(".swagger-ui .info .title").inner_text()
    page.locator(".opblock-summary-path", has_text="/api/v1/ping").first.wait_for()
    assert outside == []
