"""Test settings: the real database named by OMSLINK_TEST_DATABASE_URL, else a SQLite file.

The SQLite test database is a file, not memory, so threads and subprocesses share it exactly
as they would in production.
"""

import os
import tempfile
from pathlib import Path

_scratch = Path(tempfile.mkdtemp(prefix="omslink-test-"))
os.environ.setdefault("OMSLINK_DATA_DIR", str(_scratch / "data"))
os.environ["DATABASE_URL"] = os.environ.get("OMSLINK_TEST_DATABASE_URL") or (
    f"sqlite:///{_scratch / 'omslink.sqlite3'}"
)
os.environ.setdefault("OMSLINK_WEBHOOK_RETRY_SCHEDULE", "0.05,0.1,0.2")
# Playwright's sync API runs an event loop in the test thread; the ORM calls there are still
# plain synchronous calls, so Django's async-safety guard is switched off for tests only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from omslink.settings import *  # noqa: E402, F403
from omslink.settings import DATABASES  # noqa: E402

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(_scratch / "test.sqlite3")}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
