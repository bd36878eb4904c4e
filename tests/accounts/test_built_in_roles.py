"""The built-in roles the migration created are the ones the code base describes today."""

from __future__ import annotations

import importlib

from omslink.core.operations import BUILT_IN_ROLES


def test_the_migrations_spell_todays_built_in_roles() -> None:
    """A change to `BUILT_IN_ROLES` fails here until a new migration gives it to databases."""
    created = importlib.import_module("omslink.accounts.migrations.0002_built_in_roles")
    returns = importlib.import_module("omslink.accounts.migrations.0005_returns_operations")
    granted = {name: set(codenames) for name, codenames in created.BUILT_IN_ROLES.items()}
    for name, codenames in returns.GRANTED.items():
        granted[name] |= codenames
    assert granted == {name: set(codenames) for name, codenames in BUILT_IN_ROLES.items()}
