"""Invoice numbers: financial years, prefixes and the 16-character GST limit."""

from __future__ import annotations

import re
from datetime import date

import pytest

from omslink.fulfilment.invoice_numbers import (
    InvoiceNumbersExhausted,
    financial_year,
    invoice_number,
    invoice_prefix,
)

GST_NUMBER = re.compile(r"^[A-Za-z0-9/-]{1,16}$")


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2026, 4, 1), "2627"),
        (date(2027, 3, 31), "2627"),
        (date(2026, 3, 31), "2526"),
        (date(2099, 12, 31), "9900"),
        (date(2000, 1, 1), "9900"),
    ],
)
def test_financial_year_runs_april_to_march(day: date, year: str) -> None:
    assert financial_year(day) == year


@pytest.mark.parametrize(
    ("code", "pk", "prefix"),
    [
        ("OU1", 1, "OU1"),
        ("ou-1", 9, "ou-1"),
        ("ABCD", 3, "ABCD"),
        ("INDIGO", 7, "Z7"),
        ("OU_1", 36, "Z10"),
        ("Z1", 2, "Z2"),
        ("zz9", 46655, "ZZZZ"),
    ],
)
def test_prefix_is_the_code_when_it_fits(code: str, pk: int, prefix: str) -> None:
    assert invoice_prefix(code, pk) == prefix


def test_derived_prefixes_never_collide_with_code_prefixes() -> None:
    codes = ["OU1", "Z1", "Z2", "ZZ", "z3", "LONGCODE", "A_B", "Z-1"]
    prefixes = [invoice_prefix(code, pk) for pk, code in enumerate(codes, start=1)]
    assert len(set(prefixes)) == len(prefixes)


def test_prefix_runs_out_past_four_characters() -> None:
    with pytest.raises(InvoiceNumbersExhausted):
        invoice_prefix("INDIGO", 36**3)


@pytest.mark.parametrize(
    ("prefix", "serial", "number"),
    [
        ("OU1", 1, "OU1/2627/000001"),
        ("ABCD", 999_999, "ABCD/2627/999999"),
        ("OU1", 1_000_000, "OU1/2627/1000000"),
    ],
)
def test_numbers_fit_the_gst_rule(prefix: str, serial: int, number: str) -> None:
    made = invoice_number(prefix, "2627", serial)
    assert made == number
    assert GST_NUMBER.match(made)


def test_number_past_sixteen_characters_is_refused() -> None:
    with pytest.raises(InvoiceNumbersExhausted):
        invoice_number("ABCD", "2627", 1_000_000)
    with pytest.raises(ValueError, match="start at 1"):
        invoice_number("OU1", "2627", 0)
