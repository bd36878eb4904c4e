"""In a real browser: a failed delivery shown with its attempts, retried with the button."""

from __future__ import annotations

from typing import Any

import pytest

from omslink.oms_simulator.server import OmsSimulator, Reply
from omslink.webhooks.models import Delivery
from tests.conftest import Masters, connect_app, sign_in
from tests.webhooks.harness import (
    ENCRYPTION_KEY,
    SECRET,
    assert_in_order_without_gaps,
    publish,
    receiver_config,
    running_relay,
    wait_until,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_failed_delivery_is_shown_and_the_retry_button_delivers_it(
    page: Any, masters: Masters, make_user: Any, settings: Any
) -> None:
    settings.OMSLINK_ALLOW_PRIVATE_WEBHOOK_TARGETS = True
    user, _ = make_user("Administrator")
    receiver = OmsSimulator(receiver_config(), port=0).start()
    healthy = {"now": False}
    receiver.responder = lambda event, arrival: Reply() if healthy["now"] else Reply(status=500)
    try:
        app = connect_app(
            masters.org_unit,
            user,
            webhook_url=receiver.webhook_url,
            secret=SECRET,
            encryption_key=ENCRYPTION_KEY,
        ).app
        publish(masters.org_unit, "order:SO-000001", 2, apps=[app])
        with running_relay():
            wait_until(
                lambda: Delivery.objects.filter(status="failed").exists(), what="a failed delivery"
            )
            failed = Delivery.objects.get(status="failed")
            sign_in(page, user.username)
            page.goto("/")
            assert page.locator("#failed-deliveries").inner_text() == "1 failed"
            page.click("#failed-deliveries")
            row = page.locator(f"#delivery-{failed.pk}")
            assert row.locator(".status").inner_text() == "Failed"
            row.locator("summary").click()  # fetches the attempts from the delivery's page
            row.locator(".attempt").nth(3).wait_for()
            assert row.locator(".attempt").count() == 4
            assert "webhook-signature" in row.locator(".attempt").first.inner_text()

            healthy["now"] = True
            questions: list[str] = []

            def accept(dialog: Any) -> None:
                questions.append(dialog.message)
                dialog.accept()

            page.on("dialog", accept)
            with page.expect_navigation():
                row.locator("button.retry").click()
            assert f"Delivery {failed.pk} is queued again" in page.locator(".messages").inner_text()
            assert "order:SO-000001 follow once it is delivered" in questions[0]
            wait_until(
                lambda: Delivery.objects.filter(status="succeeded").count() == 2,
                what="the retried delivery and the one behind it",
            )
        page.goto(f"/webhooks/deliveries/?app={app.pk}")
        assert page.locator(f"#delivery-{failed.pk} .status").inner_text() == "Succeeded"
        assert page.locator("button.retry").count() == 0
    finally:
        receiver.stop()
    assert_in_order_without_gaps(receiver.inbox, {"order:SO-000001": 2})
