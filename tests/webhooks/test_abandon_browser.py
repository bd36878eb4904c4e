"""In a real browser: Abandon on a failed row and Abandon all held for a disabled app, each
asking first."""

from __future__ import annotations

from typing import Any

import pytest

from omslink.webhooks.models import Delivery
from tests.conftest import Masters, connect_app, sign_in
from tests.webhooks.harness import publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_abandon_and_abandon_all_held_each_ask_first(
    page: Any, masters: Masters, make_user: Any
) -> None:
    user, _ = make_user("Administrator")
    current = connect_app(masters.org_unit, user).app
    replaced = connect_app(masters.org_unit, user, enabled=False).app
    publish(masters.org_unit, "order:SO-000001", 2, apps=[current])
    publish(masters.org_unit, "order:SO-000002", 3, apps=[replaced])
    Delivery.objects.filter(app=current, sequence=1).update(status="failed", attempt_count=4)
    failed = Delivery.objects.get(app=current, sequence=1)

    answers = {"accept": False}
    questions: list[str] = []

    def answer(dialog: Any) -> None:
        questions.append(dialog.message)
        if answers["accept"]:
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("dialog", answer)
    sign_in(page, user.username)
    behind = Delivery.objects.get(app=current, sequence=2)
    page.goto(f"/webhooks/deliveries/?app={current.pk}")
    assert page.locator(f"#delivery-{behind.pk} .blocked").count() == 1
    page.goto("/webhooks/deliveries/?status=failed")
    row = page.locator(f"#delivery-{failed.pk}")
    row.locator("button.abandon").click()
    assert "It will never be sent, and the next event of order:SO-000001" in questions[-1]
    assert Delivery.objects.get(pk=failed.pk).status == "failed", "dismissed: nothing happens"

    answers["accept"] = True
    with page.expect_navigation():
        row.locator("button.abandon").click()
    assert f"Delivery {failed.pk} is abandoned" in page.locator(".messages").inner_text()
    assert page.url.endswith("/webhooks/deliveries/?status=failed")
    assert Delivery.objects.get(pk=failed.pk).status == "abandoned"

    page.goto("/webhooks/deliveries/?status=abandoned")
    assert page.locator(f"#delivery-{failed.pk} .status").inner_text() == "Abandoned"
    assert page.locator(f"#delivery-{failed.pk} button").count() == 0

    held = page.locator(f"#held-app-{replaced.pk}")
    assert held.locator(".held-count").inner_text() == "3 held"
    with page.expect_navigation():
        held.locator("button.abandon-held").click()
    assert "Abandon all 3 held deliveries" in questions[-1]
    assert "3 held deliveries of" in page.locator(".messages").inner_text()
    assert page.locator("#held-apps").count() == 0
    assert (
        list(
            Delivery.objects.filter(app=replaced)
            .order_by("sequence")
            .values_list("status", flat=True)
        )
        == ["abandoned"] * 3
    )
    # The delivery that was blocked behind the abandoned head now waits for nothing.
    page.goto(f"/webhooks/deliveries/?app={current.pk}")
    assert page.locator(f"#delivery-{behind.pk} .status").inner_text() == "Pending"
    assert page.locator(f"#delivery-{behind.pk} .blocked").count() == 0
