"""The built-in roles the migration created are the ones the code base describes today."""

from __future__ import annotations

import importlib

from omslink.core.operations import BUILT_IN_ROLES


def test_the_migration_spells_todays_built_in_roles() -> None:
    """A change to `BUILT_IN_ROLES` fails here until a new migration gives it to databases."""
    migration = importlib.import_module("omslink.accounts.migrations.0002_built_in_roles")
    assert {name: set(codenames) for name, codenames in migration.BUILT_IN_ROLES.items()} == {
        name: set(codenames) for name, codenames in BUILT_IN_ROLES.items()
    }
