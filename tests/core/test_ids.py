"""Document numbers read back exactly as they are written."""

from __future__ import annotations

import pytest

from omslink.core.ids import MAX_DATABASE_ID, DocumentNumbers

ORDERS = DocumentNumbers("SO-")


@pytest.mark.parametrize("pk", [1, 999_999, 1_000_000, MAX_DATABASE_ID])
def test_numbers_round_trip(pk: int) -> None:
    assert ORDERS.pk_of(ORDERS.format(pk)) == pk


@pytest.mark.parametrize(
    "number",
    [
        "SO-1",
        "SO-0000001",
        "SO-000000",
        "WO-000001",
        "SO-",
        "so-000001",
        "SO-00000\u0661",
        "SO-+00001",
        "SO- 00001",
        f"SO-{MAX_DATABASE_ID + 1}",
        "SO-" + "9" * 40,
        "000001",
    ],
)
def test_other_spellings_name_no_row(number: str) -> None:
    assert ORDERS.pk_of(number) is None
