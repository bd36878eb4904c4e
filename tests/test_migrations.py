"""The models and their migrations agree: a model change without its migration fails here.

A test rather than a step in ./run-tests, so CI checks it on PostgreSQL as well as SQLite.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration() -> None:
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
    except SystemExit:
        pytest.fail(f"a model changed without a migration (run makemigrations):\n{out.getvalue()}")
    assert "No changes detected" in out.getvalue()
