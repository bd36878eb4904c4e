"""Invoice numbers: per OU and financial year, at most 16 characters (CONTRACT §6.5). Pure.

A number is `PREFIX/YYZZ/NNNNNN`, e.g. `OU1/2627/000001` for the first invoice of OU1 in the
financial year April 2026 to March 2027. GST allows only letters, digits, `/` and `-`, and 16
characters in all, which leaves 4 characters for the prefix. The OU's code is the prefix when
it fits. Otherwise the prefix is `Z` followed by the OU's id in base 36: unique because ids
are, stable because ids never change, and never equal to a code-based prefix because codes of
that shape are not used as prefixes either.
"""

from __future__ import annotations

import re
from datetime import date

MAX_NUMBER_LENGTH = 16
MAX_PREFIX_LENGTH = 4
SERIAL_DIGITS = 6
FIRST_MONTH = 4  # April
DERIVED_PREFIX_MARK = "Z"
_USABLE_CODE = re.compile(r"^[A-Za-z0-9-]{1,4}$")
_DERIVED_SHAPE = re.compile(r"^[Zz][0-9A-Za-z]{1,3}$")
_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class InvoiceNumbersExhausted(ValueError):
    """The serial no longer fits in 16 characters with this prefix."""


def financial_year(day: date) -> str:
    """`2627` for any day from 1 April 2026 to 31 March 2027."""
    start = day.year if day.month >= FIRST_MONTH else day.year - 1
    return f"{start % 100:02d}{(start + 1) % 100:02d}"


def _base36(number: int) -> str:
    digits = ""
    while True:
        number, digit = divmod(number, 36)
        digits = _BASE36[digit] + digits
        if number == 0:
            return digits


def invoice_prefix(org_unit_code: str, org_unit_id: int) -> str:
    """The OU's code if GST allows it in 4 characters, else `Z` + the OU's id in base 36."""
    if _USABLE_CODE.match(org_unit_code) and not _DERIVED_SHAPE.match(org_unit_code):
        return org_unit_code
    derived = DERIVED_PREFIX_MARK + _base36(org_unit_id)
    if len(derived) > MAX_PREFIX_LENGTH:
        raise InvoiceNumbersExhausted(f"org unit id {org_unit_id} is too large for a prefix")
    return derived


def invoice_number(prefix: str, year: str, serial: int) -> str:
    if serial < 1:
        raise ValueError(f"serials start at 1, got {serial}")
    number = f"{prefix}/{year}/{serial:0{SERIAL_DIGITS}d}"
    if len(number) > MAX_NUMBER_LENGTH:
        raise InvoiceNumbersExhausted(
            f"invoice {serial} of {prefix} in {year} would exceed {MAX_NUMBER_LENGTH} characters"
        )
    return number


CREDIT_NOTE_MARK = "CN"


def credit_note_number(prefix: str, year: str, serial: int) -> str:
    """`CN/OU1/2627/0001`: the credit notes' own series, with the invoices' prefix and year.

    The serial fills the characters the 16 leave (4 digits beside a 3-character prefix, 3
    beside a 4-character one, up to 6 beside a 1-character one), so numbers sort as text
    in the order they were issued; a serial that no longer fits is refused.
    """
    if serial < 1:
        raise ValueError(f"serials start at 1, got {serial}")
    head = f"{CREDIT_NOTE_MARK}/{prefix}/{year}/"
    digits = MAX_NUMBER_LENGTH - len(head)
    number = f"{head}{serial:0{digits}d}"
    if len(number) > MAX_NUMBER_LENGTH:
        raise InvoiceNumbersExhausted(
            f"credit note {serial} of {prefix} in {year} would exceed {MAX_NUMBER_LENGTH} "
            "characters"
        )
    return number
