"""How pages write times, statuses, totals and refusals: the shared filters and form words."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import override_settings

from omslink.core.errors import ValidationFailed
from omslink.core.validation import validate_as
from omslink.orders.schemas import OrderIn
from omslink.web.form_errors import field_errors_in_words, in_words
from omslink.web.templatetags.display import local_time, status_word, sum_of

MOMENT = datetime(2026, 11, 29, 18, 45, 7, 123456, tzinfo=UTC)


def test_times_are_shown_in_the_deployments_zone_in_one_format() -> None:
    assert local_time(MOMENT) == "30 Nov 2026, 00:15"  # Asia/Kolkata, the default
    assert local_time("2026-11-29T18:45:07.123456+00:00") == local_time(MOMENT)
    assert local_time("2026-11-30T00:15:07+05:30") == local_time(MOMENT)
    with override_settings(TIME_ZONE="Europe/London"):
        assert local_time(MOMENT) == "29 Nov 2026, 18:45"
    assert local_time(None) == "" and local_time("") == ""
    assert local_time("not a time") == "not a time"


def test_statuses_are_words() -> None:
    assert status_word("picklist_created") == "Pick list made"
    assert status_word("reserved") == "Reserved"
    assert status_word("rto_initiated") == "RTO started"
    assert status_word("customer_return") == "Customer return"
    assert status_word(None) == ""


def test_sum_of_adds_one_field_of_rows_or_objects() -> None:
    class Line:
        def __init__(self, quantity: int) -> None:
            self.quantity = quantity

    assert sum_of([{"quantity": 2}, {"quantity": 3}], "quantity") == 5
    assert sum_of([Line(4), Line(1)], "quantity") == 5
    assert sum_of([], "quantity") == 0


LABELS = {"webhook_url": "Webhook URL", "org_unit": "Organization unit", "quantity": "Quantity"}


@pytest.mark.parametrize(
    ("message", "sentence"),
    [
        ("String should have at least 1 character", "Webhook URL is required"),
        ("Field required", "Webhook URL is required"),
        ("String should match pattern '^[A-Z]+$'", "Webhook URL is not valid"),
        (
            "String should have at most 2048 characters",
            "Webhook URL may have 2048 characters at most",
        ),
        ("must be an http or https URL", "Webhook URL must be an http or https URL"),
        ("Input should be a valid string", "Webhook URL must be text"),
        ("Something else went wrong", "Webhook URL: Something else went wrong"),
    ],
)
def test_one_field_refusal_in_words(message: str, sentence: str) -> None:
    refusal = ValidationFailed.for_field("webhook_url", message)
    assert field_errors_in_words(refusal, LABELS) == {"webhook_url": sentence}
    assert in_words(refusal, LABELS) == f"{sentence}."


def test_a_validated_document_is_refused_in_words() -> None:
    with pytest.raises(ValidationFailed) as refused:
        validate_as(OrderIn, {"lines": [{"sku": "A", "quantity": 0}]})
    words = in_words(refused.value, LABELS)
    assert "Line 1: quantity must be at least 1." in words
    assert "External order id is required." in words
    assert "String should" not in words and "Input should" not in words


def test_a_refusal_without_fields_keeps_its_message() -> None:
    refusal = ValidationFailed("The form is empty.")
    assert in_words(refusal, LABELS) == "The form is empty."
