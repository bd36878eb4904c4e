"""Fixtures the site-wide page tests share with the order tests."""

from tests.orders.conftest import stocked  # noqa: F401 - the fixture, shared
