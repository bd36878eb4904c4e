"""How far an import has got, as the CLI's bar and the page's bar both show it.

A page-started import writes its progress to a small JSON file in the data dir, replaced
atomically on each step, so any server process on the machine can read it while the import's
transaction holds the database's write lock (SQLite has one writer; a progress row would wait
behind the very import it reports on).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

CHECKING = "checking"
WRITING = "writing"


@dataclass(frozen=True)
class ImportProgress:
    """Rows checked and written so far; `total` is known once checking has read the file."""

    phase: str
    checked: int
    written: int
    total: int | None
    fraction: float
    """Share of the whole job done, 0 to 1 (checking counts for a third)."""


def overall(phase: str, share: float) -> float:
    share = min(max(share, 0.0), 1.0)
    return share / 3 if phase == CHECKING else 1 / 3 + 2 * share / 3


def imports_dir() -> Path:
    folder = Path(settings.DATA_DIR) / "imports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def progress_path(job_id: int) -> Path:
    return imports_dir() / f"job-{job_id}.progress.json"


def progress_write(job_id: int, progress: ImportProgress, *, started: float) -> None:
    """Replace the job's progress file; `heartbeat` says the worker was alive just now."""
    path = progress_path(job_id)
    scratch = path.with_suffix(".tmp")
    record = {**asdict(progress), "started": started, "heartbeat": time.time()}
    scratch.write_text(json.dumps(record))
    os.replace(scratch, path)


def progress_read(job_id: int) -> dict[str, Any] | None:
    try:
        return dict(json.loads(progress_path(job_id).read_text()))
    except (FileNotFoundError, ValueError):
        return None


def progress_remove(job_id: int) -> None:
    progress_path(job_id).unlink(missing_ok=True)
