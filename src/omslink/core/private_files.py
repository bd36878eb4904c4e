"""Files with customer data, readable by the server's own user only (CONTRACT §10).

The data dir is 0700, and the SQLite database, invoice PDFs and generated keys in it are 0600,
whatever the umask: on a shared machine nobody else may read a customer's name or address.
Imports nothing from Django, so the settings can use it before Django starts.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create the directory (and its parents) if needed and make it 0700."""
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    os.chmod(path, PRIVATE_DIR_MODE)
    return path


def private_file_write(path: Path, content: bytes) -> None:
    """Write a file as a whole, 0600 from its first byte: a reader never sees half of it."""
    private_dir(path.parent)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    os.replace(temporary, path)


def document_kept(path: Path, render: Callable[[], bytes]) -> bytes:
    """The document at `path`, rendered and stored privately the first time it is asked for.

    For documents that never change once issued (invoice and credit note PDFs), so the first
    rendering is the document for good.
    """
    if path.is_file():
        return path.read_bytes()
    document = render()
    private_file_write(path, document)
    return document


def sqlite_file_private(path: Path) -> None:
    """Make the SQLite database 0600 before SQLite opens it; its -wal and -shm files take the
    database file's mode when SQLite creates them, and any left from before are fixed here."""
    private_dir(path.parent)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE_MODE))
    for companion in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        if companion.exists():
            os.chmod(companion, PRIVATE_FILE_MODE)
