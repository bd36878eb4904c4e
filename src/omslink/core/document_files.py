"""Documents with customer data (invoice and credit note PDFs) kept on disk, private to us."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def document_kept(path: Path, render: Callable[[], bytes]) -> bytes:
    """The document at `path`, rendered and stored (mode 0600) the first time it is asked for.

    For documents that never change once issued, so the first rendering is the document for
    good. The file is written under a temporary name and renamed, so a reader never sees half.
    """
    if path.is_file():
        return path.read_bytes()
    document = render()
    path.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(document)
    os.replace(temporary, path)
    return document
