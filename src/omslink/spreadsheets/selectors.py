"""Read import jobs as the Imports page shows them: only kinds the user may see."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet

from omslink.core.errors import NotFound
from omslink.core.ids import is_database_id
from omslink.core.operations import permission_name
from omslink.masters.models import Customer, Item
from omslink.spreadsheets.kinds import KINDS
from omslink.spreadsheets.models import ImportJob
from omslink.spreadsheets.progress import progress_read


def visible_kinds(user: User) -> list[str]:
    """Kinds whose records the user may view (items and customers: Masters, stock: Stock)."""
    return [
        name for name, kind in KINDS.items() if user.has_perm(permission_name(kind.view_operation))
    ]


def import_jobs(user: User) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(kind__in=visible_kinds(user)).select_related("created_by")


def import_job_for(user: User, job_id: int) -> ImportJob:
    job = None
    if is_database_id(job_id):
        job = import_jobs(user).filter(pk=job_id).first()
    if job is None:
        raise NotFound("No such import.")
    return job


def import_job_progress(job: ImportJob) -> dict[str, Any]:
    """What the progress bar shows: rows checked and written, share done and time left."""
    state: dict[str, Any] = {
        "status": job.status,
        "finished": job.finished,
        "phase": "queued" if job.status == ImportJob.Status.QUEUED else "",
        "checked": 0,
        "written": 0,
        "total": None,
        "percent": 100 if job.finished else 0,
        "seconds_left": None,
    }
    progress = progress_read(job.pk) if not job.finished else None
    if progress:
        fraction = float(progress["fraction"])
        elapsed = max(time.time() - float(progress["started"]), 0.0)
        state.update(
            phase=progress["phase"],
            checked=progress["checked"],
            written=progress["written"],
            total=progress["total"],
            percent=round(fraction * 100, 1),
            seconds_left=round(elapsed * (1 - fraction) / fraction) if fraction > 0.02 else None,
        )
    return state


def master_export_rows(kind: str) -> Iterator[tuple[Any, ...]]:
    """Items or customers in the columns their import reads, so an export imports back."""
    model = {"items": Item, "customers": Customer}[kind]
    columns = KINDS[kind].columns
    return model._default_manager.order_by("pk").values_list(*columns).iterator(chunk_size=2000)
