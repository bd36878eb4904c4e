"""Stock for the order tests: every test item on the shelves of every site."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Masters
from tests.inventory.state import receive

SHELF = 10


@pytest.fixture
def stocked(masters: Masters, admin: tuple[Any, str]) -> Masters:
    """SHELF units of every test item at WH1 (OU1 online), WH2 and WH3 (OU2 online)."""
    for site in ("WH1", "WH2", "WH3"):
        receive(admin[0], site, {item.sku: SHELF for item in masters.items})
    return masters
