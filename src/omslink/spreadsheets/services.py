"""Import items, customers and opening stock from a file: all rows or none.

Two passes over the file. Checking streams it, validates every row with the API's schema and
looks each chunk up in the database, collecting every bad row; only a file without one goes on.
Writing streams it again inside one durable transaction, re-checks each chunk against the
database (it may have changed since) and bulk-writes it, so memory stays bounded by a chunk and
a crash at any point leaves nothing behind.
"""

from __future__ import annotations

import logging
import os
import pickle
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import connection
from django.utils import timezone

from omslink.core.errors import ApplicationError, Forbidden, ValidationFailed
from omslink.core.operations import permission_name
from omslink.core.transactions import transactional
from omslink.fulfilment.selectors import invoiced_skus
from omslink.inventory.models import StockBalance, StockDocument
from omslink.inventory.selectors import site_named
from omslink.inventory.services import stock_receive_many
from omslink.masters.models import Customer, Item, Site
from omslink.spreadsheets.kinds import KINDS, ImportKind, RowError, column_positions, parse_row
from omslink.spreadsheets.models import ImportJob, ImportRowError
from omslink.spreadsheets.progress import (
    CHECKING,
    WRITING,
    ImportProgress,
    imports_dir,
    overall,
    progress_read,
    progress_remove,
    progress_write,
)
from omslink.spreadsheets.reading import (
    FileProblem,
    file_format,
    open_sheet,
    refuse_oversized,
)

logger = logging.getLogger(__name__)

CHUNK_ROWS = 2000
MAX_ERRORS = 100_000
"""Bad rows reported for one file; past that the file is plainly the wrong one."""
STALE_SECONDS = 600
"""A running job on another machine whose progress has not moved for this long has died."""

ProgressCallback = Callable[[ImportProgress], None]


class ImportRefused(ValidationFailed):
    """The file has bad rows (or cannot be read); nothing was stored."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = sorted(errors, key=lambda e: (e.row or 0, e.column))
        shown = "; ".join(str(error) for error in self.errors[:3])
        more = f" (and {len(self.errors) - 3} more)" if len(self.errors) > 3 else ""
        super().__init__(
            f"The file was refused, nothing was stored: {shown}{more}",
            details=[{"row": e.row, "column": e.column, "message": e.message} for e in self.errors],
        )


@dataclass(frozen=True)
class ImportOutcome:
    """What an import did (or, for a dry run, would do)."""

    rows: int
    created: int
    updated: int
    unchanged: int
    document: str = ""
    dry_run: bool = False


@dataclass
class _ChunkPlan:
    errors: list[RowError] = field(default_factory=list)
    creates: list[Any] = field(default_factory=list)
    updates: list[Any] = field(default_factory=list)
    unchanged: int = 0
    payload: dict[int, int] = field(default_factory=dict)
    new_balances: int = 0


Rows = list[tuple[int, Any]]


class _ItemLoader:
    """Items upsert by SKU; HSN code and GST rate change only while no invoice bills the item."""

    def __init__(self, present: set[str]) -> None:
        self.present = present

    def plan(self, rows: Rows) -> _ChunkPlan:
        plan = _ChunkPlan()
        existing = Item.objects.in_bulk([row["sku"] for _, row in rows], field_name="sku")
        taxed = [
            row["sku"]
            for _, row in rows
            if row["sku"] in existing
            and (
                ("hsn_code" in self.present and existing[row["sku"]].hsn_code != row["hsn_code"])
                or (
                    "gst_rate" in self.present
                    and existing[row["sku"]].gst_rate != Decimal(row["gst_rate"])
                )
            )
        ]
        invoiced = invoiced_skus(taxed) if taxed else set()
        for number, row in rows:
            item = existing.get(row["sku"])
            values = {
                "name": row["name"],
                "hsn_code": row["hsn_code"],
                "gst_rate": Decimal(row["gst_rate"]),
                "mrp": Decimal(row["mrp"]),
                "barcode": row["barcode"],
                "bin": row["bin"],
            }
            if item is None:
                plan.creates.append(Item(sku=row["sku"], **values))
                continue
            changed = False
            for name, value in values.items():
                if name not in self.present or getattr(item, name) == value:
                    continue
                if name in {"hsn_code", "gst_rate"} and row["sku"] in invoiced:
                    plan.errors.append(
                        RowError(
                            number,
                            name,
                            f"cannot change from {getattr(item, name)} to {value}: invoices "
                            "already bill this item, and a credit note must match its invoice; "
                            "create a new SKU instead",
                        )
                    )
                    continue
                setattr(item, name, value)
                changed = True
            if changed:
                plan.updates.append(item)
            else:
                plan.unchanged += 1
        return plan

    def begin(self) -> None:
        return None

    def write(self, plan: _ChunkPlan) -> None:
        Item.objects.bulk_create(plan.creates, batch_size=1000)
        Item.objects.bulk_update(
            plan.updates, ["name", "hsn_code", "gst_rate", "mrp", "barcode", "bin"], batch_size=500
        )


class _CustomerLoader:
    """Customers upsert by code; only the columns the file has are changed."""

    def __init__(self, present: set[str]) -> None:
        self.present = present

    def plan(self, rows: Rows) -> _ChunkPlan:
        plan = _ChunkPlan()
        existing = Customer.objects.in_bulk([row["code"] for _, row in rows], field_name="code")
        for _, row in rows:
            values = {
                "name": row["name"],
                "gstin": row["gstin"] or "",
                "state_code": row["state_code"],
                "address": row["address"],
            }
            customer = existing.get(row["code"])
            if customer is None:
                plan.creates.append(Customer(code=row["code"], **values))
                continue
            changed = [
                name
                for name, value in values.items()
                if name in self.present and getattr(customer, name) != value
            ]
            for name in changed:
                setattr(customer, name, values[name])
            if changed:
                plan.updates.append(customer)
            else:
                plan.unchanged += 1
        return plan

    def begin(self) -> None:
        return None

    def write(self, plan: _ChunkPlan) -> None:
        Customer.objects.bulk_create(plan.creates, batch_size=500)
        Customer.objects.bulk_update(
            plan.updates, ["name", "gstin", "state_code", "address"], batch_size=500
        )


class _StockLoader:
    """Opening stock: every row a line of one goods receipt at the site, through the ledger."""

    def __init__(self, site: Site, user: User, file_name: str) -> None:
        self.site = site
        self.user = user
        self.file_name = file_name
        self.document: StockDocument | None = None

    def plan(self, rows: Rows) -> _ChunkPlan:
        plan = _ChunkPlan()
        items = dict(
            Item.objects.filter(sku__in=[row["sku"] for _, row in rows]).values_list("sku", "pk")
        )
        for number, row in rows:
            if row["sku"] not in items:
                plan.errors.append(
                    RowError(number, "sku", f"no item has SKU {row['sku']}; import the items first")
                )
            else:
                plan.payload[items[row["sku"]]] = row["quantity"]
        plan.new_balances = (
            len(plan.payload)
            - StockBalance.objects.filter(site=self.site, item_id__in=list(plan.payload)).count()
        )
        return plan

    def begin(self) -> None:
        self.document = StockDocument.objects.create(
            kind=StockDocument.Kind.RECEIPT,
            site=self.site,
            reference=f"Opening stock import {self.file_name}"[:100],
            created_by=self.user,
        )

    def write(self, plan: _ChunkPlan) -> None:
        assert self.document is not None
        stock_receive_many(site=self.site, quantities=plan.payload, document=self.document)


Loader = _ItemLoader | _CustomerLoader | _StockLoader


def _counts(kind: ImportKind, plan: _ChunkPlan) -> tuple[int, int, int]:
    if kind.needs_site:
        return plan.new_balances, len(plan.payload) - plan.new_balances, 0
    return len(plan.creates), len(plan.updates), plan.unchanged


@dataclass
class _Scan:
    """One pass over the file: valid rows in chunks, and every bad row seen so far."""

    kind: ImportKind
    path: Path
    fmt: str
    errors: list[RowError] = field(default_factory=list)
    rows_read: int = 0
    present: set[str] = field(default_factory=set)
    fraction: Callable[[], float] = lambda: 0.0

    def open(self) -> Iterator[tuple[int, dict[str, Any]]]:
        try:
            sheet = open_sheet(self.path, self.fmt)
        except FileProblem as exc:
            raise ImportRefused([RowError(exc.row, "file", exc.message)]) from exc
        positions, header_errors = column_positions(self.kind, sheet.header)
        if header_errors:
            raise ImportRefused(header_errors)
        self.present = set(positions)
        self.fraction = sheet.fraction_read
        return self._rows(sheet.rows, positions)

    def _rows(
        self, rows: Iterator[tuple[int, list[Any]]], positions: dict[str, int]
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        seen: dict[str, int] = {}
        try:
            for number, cells in rows:
                self.rows_read += 1
                model, row_errors = parse_row(self.kind, positions, number, cells)
                if model is None:
                    self._add(row_errors)
                    continue
                key = model[self.kind.key]
                first = seen.setdefault(key, number)
                if first != number:
                    self._add([RowError(number, self.kind.key, f"{key} is already on row {first}")])
                    continue
                yield number, model
        except FileProblem as exc:
            self._add([RowError(exc.row, "file", exc.message)])

    def _add(self, errors: list[RowError]) -> None:
        room = MAX_ERRORS - len(self.errors)
        self.errors.extend(errors[:room])

    def chunks(self) -> Iterator[Rows]:
        chunk: Rows = []
        for entry in self.open():
            chunk.append(entry)
            if len(chunk) >= CHUNK_ROWS:
                yield chunk
                chunk = []
        if chunk:
            yield chunk


def _loader(
    kind: ImportKind, present: set[str], site: Site | None, user: User, file_name: str
) -> Loader:
    if kind.name == "items":
        return _ItemLoader(present)
    if kind.name == "customers":
        return _CustomerLoader(present)
    assert site is not None
    return _StockLoader(site, user, file_name)


def import_file(
    *,
    kind: str,
    path: Path,
    file_name: str,
    user: User,
    site: str | None = None,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> ImportOutcome:
    """Check the whole file, then (unless a dry run) load it in one transaction, or refuse it.

    Raises ImportRefused listing every bad row; then nothing was stored. The rows checked are
    spooled to a private temporary file, chunk by chunk, so writing neither re-reads the file
    nor holds it in memory.
    """
    import_kind = KINDS[kind]
    try:
        fmt = file_format(file_name)
    except FileProblem as exc:
        raise ImportRefused([RowError(None, "", exc.message)]) from exc
    target = _site_for(import_kind, site)
    report = progress or (lambda _: None)
    report(ImportProgress(CHECKING, 0, 0, None, 0.0))
    scan = _Scan(import_kind, path, fmt)
    created = updated = unchanged = 0
    with tempfile.TemporaryFile(dir=imports_dir()) as spool:
        for chunk in scan.chunks():
            plan = _loader(import_kind, scan.present, target, user, file_name).plan(chunk)
            scan._add(plan.errors)
            if not scan.errors:
                pickle.dump(chunk, spool, protocol=pickle.HIGHEST_PROTOCOL)
            new, changed, same = _counts(import_kind, plan)
            created, updated, unchanged = created + new, updated + changed, unchanged + same
            share = overall(CHECKING, scan.fraction())
            report(ImportProgress(CHECKING, scan.rows_read, 0, None, share))
        if scan.errors:
            raise ImportRefused(scan.errors)
        if scan.rows_read == 0:
            raise ImportRefused([RowError(2, "file", "the file has a header but no rows")])
        total = scan.rows_read
        report(ImportProgress(CHECKING, total, 0, total, overall(CHECKING, 1.0)))
        if dry_run:
            return ImportOutcome(total, created, updated, unchanged, dry_run=True)
        loader = _loader(import_kind, scan.present, target, user, file_name)
        return _write(loader=loader, kind=import_kind, spool=spool, total=total, report=report)


def _spooled(spool: Any) -> Iterator[Rows]:
    spool.seek(0)
    while True:
        try:
            yield pickle.load(spool)  # noqa: S301 - our own file, written just now
        except EOFError:
            return


def _site_for(kind: ImportKind, site: str | None) -> Site | None:
    if not kind.needs_site:
        return None
    if not site:
        raise ImportRefused([RowError(None, "site", "opening stock needs the site it is at")])
    try:
        return site_named(site)
    except ValidationFailed as exc:
        raise ImportRefused([RowError(None, "site", f"no site {site!r}")]) from exc


@transactional
def _write(
    *, loader: Loader, kind: ImportKind, spool: Any, total: int, report: ProgressCallback
) -> ImportOutcome:
    """Load the checked rows in this one transaction, chunk by chunk, re-checking each."""
    created = updated = unchanged = written = 0
    loader.begin()
    for chunk in _spooled(spool):
        plan = loader.plan(chunk)
        if plan.errors:  # the database changed since the check
            raise ImportRefused(plan.errors)
        loader.write(plan)
        new, changed, same = _counts(kind, plan)
        created, updated, unchanged = created + new, updated + changed, unchanged + same
        written += len(chunk)
        report(ImportProgress(WRITING, total, written, total, overall(WRITING, written / total)))
    document = (
        loader.document.number if isinstance(loader, _StockLoader) and loader.document else ""
    )
    return ImportOutcome(written, created, updated, unchanged, document)


# --- Jobs started from the pages -------------------------------------------------------------


def _require(user: User, kind: ImportKind) -> None:
    if not user.has_perm(permission_name(kind.operation)):
        raise Forbidden(f"Your role does not allow importing {kind.title.lower()}.")


def import_job_start(
    *, kind: str, upload: UploadedFile, user: User, site: str = "", dry_run: bool = False
) -> ImportJob:
    """Store the upload and import it in a background thread of this server process."""
    import_kind = KINDS.get(kind)
    if import_kind is None:
        raise ValidationFailed.for_field("kind", f"must be one of {', '.join(KINDS)}")
    _require(user, import_kind)
    name = os.path.basename(upload.name or "")[:200]
    try:
        fmt = file_format(name)
        refuse_oversized(upload.size or 0)
    except FileProblem as exc:
        raise ValidationFailed.for_field("file", exc.message) from exc
    if not upload.size:
        raise ValidationFailed.for_field("file", "the file is empty")
    if import_kind.needs_site:
        site_named(site)
    job = ImportJob.objects.create(
        kind=kind,
        site=site[:32] if import_kind.needs_site else "",
        file_name=name,
        dry_run=dry_run,
        created_by=user,
    )
    stored = _stored_path(job, fmt)
    descriptor = os.open(stored, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as target:
        for piece in upload.chunks():
            target.write(piece)
    threading.Thread(
        target=import_job_run, kwargs={"job_id": job.pk}, name=f"import-{job.pk}", daemon=True
    ).start()
    return job


def _stored_path(job: ImportJob, fmt: str) -> Path:
    return imports_dir() / f"job-{job.pk}.{fmt}"


def import_job_run(*, job_id: int) -> None:
    """Run one job to its end in this thread; whatever happens, the job says how it ended."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    fmt = Path(job.file_name).suffix.lower().lstrip(".")
    stored = _stored_path(job, fmt)
    started = time.time()
    try:
        ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.QUEUED).update(
            status=ImportJob.Status.RUNNING, host=socket.gethostname()[:255], pid=os.getpid()
        )
        outcome = import_file(
            kind=job.kind,
            path=stored,
            file_name=job.file_name,
            user=job.created_by,
            site=job.site or None,
            dry_run=job.dry_run,
            progress=lambda step: progress_write(job.pk, step, started=started),
        )
    except ImportRefused as exc:
        _job_refused(job, exc.errors)
    except ApplicationError as exc:
        _job_end(job, ImportJob.Status.REFUSED, message=exc.message)
    except Exception:
        logger.exception("import job %s failed", job.pk)
        _job_end(
            job,
            ImportJob.Status.FAILED,
            message="An unexpected error stopped the import; nothing was stored.",
        )
    else:
        _job_end(
            job,
            ImportJob.Status.SUCCEEDED,
            rows=outcome.rows,
            created=outcome.created,
            updated=outcome.updated,
            unchanged=outcome.unchanged,
            document=outcome.document,
        )
    finally:
        stored.unlink(missing_ok=True)
        progress_remove(job.pk)
        connection.close()


@transactional
def _job_refused(job: ImportJob, errors: list[RowError]) -> None:
    ImportRowError.objects.bulk_create(
        (
            ImportRowError(job=job, row=e.row, column=e.column[:200], message=e.message[:500])
            for e in errors
        ),
        batch_size=1000,
    )
    _job_end(job, ImportJob.Status.REFUSED, error_count=len(errors))


def _job_end(job: ImportJob, status: str, **result: Any) -> None:
    ImportJob.objects.filter(pk=job.pk).update(status=status, finished_at=timezone.now(), **result)


def import_job_reap(job: ImportJob) -> ImportJob:
    """Mark a job failed whose worker is gone (its process died or was restarted).

    Its transaction died with its connection, so nothing of it was stored.
    """
    if job.finished or _worker_alive(job):
        return job
    ImportJob.objects.filter(
        pk=job.pk, status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING]
    ).update(
        status=ImportJob.Status.FAILED,
        finished_at=timezone.now(),
        message="The server process running this import stopped; nothing was stored. "
        "Upload the file again.",
    )
    progress_remove(job.pk)
    job.refresh_from_db()
    return job


def _worker_alive(job: ImportJob) -> bool:
    if job.pid is not None and job.host == socket.gethostname():
        if job.pid == os.getpid():
            return any(thread.name == f"import-{job.pk}" for thread in threading.enumerate())
        try:
            os.kill(job.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
    progress = progress_read(job.pk)
    beat = float(progress["heartbeat"]) if progress else job.created_at.timestamp()
    return time.time() - beat < STALE_SECONDS
