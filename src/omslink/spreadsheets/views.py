"""The Imports pages: start an import, watch its progress bar, read or download its result.

The upload is stored and imported by a background thread of the server (see services), so the
user may leave the page; the job's page and the Imports list show it to the end.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from omslink.core.errors import ApplicationError, Forbidden, NotFound
from omslink.core.operations import permission_name
from omslink.spreadsheets.exports import EXPORT_FORMATS, spreadsheet_response
from omslink.spreadsheets.kinds import KINDS
from omslink.spreadsheets.models import ImportJob
from omslink.spreadsheets.selectors import (
    import_job_for,
    import_job_progress,
    import_jobs,
    visible_kinds,
)
from omslink.spreadsheets.services import import_job_reap, import_job_start
from omslink.web.access import signed_in_user

PAGE_ROWS = 50
SHOWN_ERRORS = 200


def _job(request: HttpRequest, job_id: int) -> ImportJob:
    try:
        return import_job_reap(import_job_for(signed_in_user(request), job_id))
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _may_see_imports(request: HttpRequest) -> None:
    if not visible_kinds(signed_in_user(request)):
        raise PermissionDenied


@login_required
@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    """The newest imports of every kind the user may view, with how each ended."""
    _may_see_imports(request)
    jobs = [
        import_job_reap(job)
        for job in import_jobs(signed_in_user(request)).order_by("-pk")[:PAGE_ROWS]
    ]
    return render(request, "spreadsheets/import_list.html", {"jobs": jobs, "kinds": KINDS})


@login_required
@require_POST
def import_start(request: HttpRequest) -> HttpResponseBase:
    """Start importing an uploaded file; the kind's create operation is checked by the service."""
    kind = request.POST.get("kind", "")
    back = {"items": "/masters/items/", "customers": "/masters/customers/", "stock": "/stock/"}
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ApplicationError("Choose a file to import.")
        job = import_job_start(
            kind=kind,
            upload=upload,
            user=signed_in_user(request),
            site=request.POST.get("site", ""),
            dry_run="dry_run" in request.POST,
        )
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, f"Nothing was imported: {exc.message}")
        return HttpResponseRedirect(back.get(kind, reverse("spreadsheets:list")))
    return HttpResponseRedirect(reverse("spreadsheets:job", args=[job.pk]))


@login_required
@require_GET
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job(request, job_id)
    return render(
        request,
        "spreadsheets/import_job.html",
        {
            "job": job,
            "kind": KINDS[job.kind],
            "progress": import_job_progress(job),
            "errors": job.row_errors.order_by("pk")[:SHOWN_ERRORS],
        },
    )


@login_required
@require_GET
def import_progress(request: HttpRequest, job_id: int) -> JsonResponse:
    """What the page's progress bar polls."""
    return JsonResponse(import_job_progress(_job(request, job_id)))


@login_required
@require_GET
def import_errors(request: HttpRequest, job_id: int) -> HttpResponseBase:
    """Every bad row of a refused import, as CSV."""
    job = _job(request, job_id)
    rows = job.row_errors.order_by("pk").values_list("row", "column", "message").iterator()
    return spreadsheet_response(
        "csv", name=f"import-{job.pk}-errors", header=("row", "column", "message"), rows=rows
    )


@login_required
@require_GET
def import_template(request: HttpRequest, kind: str, fmt: str) -> HttpResponseBase:
    """An empty file of a kind with its header row and one example row."""
    import_kind = KINDS.get(kind)
    if import_kind is None or fmt not in EXPORT_FORMATS:
        raise Http404
    if not signed_in_user(request).has_perm(permission_name(import_kind.view_operation)):
        raise PermissionDenied
    return spreadsheet_response(
        fmt, name=f"{kind}-template", header=import_kind.columns, rows=[import_kind.example]
    )
