"""An invoice amount in words, the Indian way (lakh and crore; rupees and paise). Pure."""

from __future__ import annotations

from decimal import Decimal

from omslink.core.money import to_paisa

_ONES = (
    "Zero",
    "One",
    "Two",
    "Three",
    "Four",
    "Five",
    "Six",
    "Seven",
    "Eight",
    "Nine",
    "Ten",
    "Eleven",
    "Twelve",
    "Thirteen",
    "Fourteen",
    "Fifteen",
    "Sixteen",
    "Seventeen",
    "Eighteen",
    "Nineteen",
)
_TENS = ("", "", "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety")
CRORE = 10_000_000
LAKH = 100_000


def _below_hundred(number: int) -> str:
    if number < 20:
        return _ONES[number]
    tens, ones = divmod(number, 10)
    return _TENS[tens] if ones == 0 else f"{_TENS[tens]} {_ONES[ones]}"


def _below_thousand(number: int) -> str:
    hundreds, rest = divmod(number, 100)
    words = [f"{_ONES[hundreds]} Hundred"] if hundreds else []
    if rest:
        words.append(_below_hundred(rest))
    return " ".join(words)


def number_in_words(number: int) -> str:
    """Say a whole number in Indian groupings: 1,23,45,678 is One Crore Twenty Three Lakh …"""
    if number < 0:
        raise ValueError("only non-negative numbers can be said")
    if number == 0:
        return _ONES[0]
    crores, rest = divmod(number, CRORE)
    lakhs, rest = divmod(rest, LAKH)
    thousands, rest = divmod(rest, 1000)
    words = []
    if crores:
        # Beyond 99 crore the count of crores is itself said in lakh and thousand.
        words.append(f"{number_in_words(crores)} Crore")
    if lakhs:
        words.append(f"{_below_hundred(lakhs)} Lakh")
    if thousands:
        words.append(f"{_below_hundred(thousands)} Thousand")
    if rest:
        words.append(_below_thousand(rest))
    return " ".join(words)


def rupees_in_words(amount: Decimal) -> str:
    """`Rupees One Thousand Forty Eight and Fifty Paise Only`, as Indian invoices print it."""
    paisa_total = int(to_paisa(amount) * 100)
    if paisa_total < 0:
        raise ValueError("an invoice amount is never negative")
    rupees, paise = divmod(paisa_total, 100)
    words = f"Rupees {number_in_words(rupees)}"
    if paise:
        words += f" and {_below_hundred(paise)} Paise"
    return f"{words} Only"
