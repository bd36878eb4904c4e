"""Import jobs started from the pages, and the row errors of the ones that were refused."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportJob(models.Model):
    """One uploaded file being checked and loaded in the background, and how it ended.

    Progress while it runs lives in a small file in the data dir (see `progress.py`), not
    here: on SQLite the import's own transaction holds the only write lock.
    """

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        REFUSED = "refused"
        FAILED = "failed"

    kind = models.CharField(max_length=16)
    site = models.CharField(max_length=32, blank=True, default="")
    file_name = models.CharField(max_length=200)
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    document = models.CharField(max_length=32, blank=True, default="")
    message = models.CharField(max_length=500, blank=True, default="")
    error_count = models.PositiveIntegerField(default=0)
    host = models.CharField(max_length=255, blank=True, default="")
    pid = models.PositiveIntegerField(null=True, blank=True)

    @property
    def finished(self) -> bool:
        return self.status in {self.Status.SUCCEEDED, self.Status.REFUSED, self.Status.FAILED}


class ImportRowError(models.Model):
    """One bad cell of a refused import, kept for the Imports page and its CSV download."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")
    row = models.PositiveIntegerField(null=True, blank=True)
    column = models.CharField(max_length=200, blank=True, default="")
    message = models.CharField(max_length=500)

    class Meta:
        indexes = [models.Index(fields=["job", "row"], name="importrowerror_job_row")]
