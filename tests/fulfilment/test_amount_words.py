"""Amounts in words as Indian tax invoices print them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from omslink.fulfilment.amount_words import number_in_words, rupees_in_words


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "Zero"),
        (7, "Seven"),
        (19, "Nineteen"),
        (40, "Forty"),
        (48, "Forty Eight"),
        (100, "One Hundred"),
        (999, "Nine Hundred Ninety Nine"),
        (1_000, "One Thousand"),
        (1_048, "One Thousand Forty Eight"),
        (99_999, "Ninety Nine Thousand Nine Hundred Ninety Nine"),
        (1_00_000, "One Lakh"),
        (1_23_456, "One Lakh Twenty Three Thousand Four Hundred Fifty Six"),
        (10_00_000, "Ten Lakh"),
        (1_00_00_000, "One Crore"),
        (
            12_34_56_789,
            "Twelve Crore Thirty Four Lakh Fifty Six Thousand Seven Hundred Eighty Nine",
        ),
        (100_00_00_000, "One Hundred Crore"),
        (
            9_99_99_99_999,
            "Nine Hundred Ninety Nine Crore Ninety Nine Lakh Ninety Nine Thousand "
            "Nine Hundred Ninety Nine",
        ),
        (10**12, "One Lakh Crore"),
    ],
)
def test_numbers_use_lakh_and_crore(number: int, words: str) -> None:
    assert number_in_words(number) == words


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0.00", "Rupees Zero Only"),
        ("0.50", "Rupees Zero and Fifty Paise Only"),
        ("1048.50", "Rupees One Thousand Forty Eight and Fifty Paise Only"),
        (
            "123456.07",
            "Rupees One Lakh Twenty Three Thousand Four Hundred Fifty Six and Seven Paise Only",
        ),
        ("4794.00", "Rupees Four Thousand Seven Hundred Ninety Four Only"),
    ],
)
def test_rupees_and_paise(amount: str, words: str) -> None:
    assert rupees_in_words(Decimal(amount)) == words


def test_negative_amounts_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        number_in_words(-1)
    with pytest.raises(ValueError, match="negative"):
        rupees_in_words(Decimal("-0.01"))
