"""Returns pages: expected and received returns, the receive screen a scanner drives, one
return with its counts and credit note, and the damaged-units report.

Pages call the same selectors and services as the API; the Receive form is shown only to
roles with Returns > Receive, and `operation_required` refuses it on the server anyway.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from omslink.core.errors import ApplicationError
from omslink.core.validation import validate_as
from omslink.masters.models import Site
from omslink.returns import services
from omslink.returns.credit_note_pdf import credit_note_filename
from omslink.returns.models import ReturnStatus, ReturnType
from omslink.returns.schemas import ReceiveIn, ReturnOut
from omslink.returns.selectors import (
    RETURN_EXPORT_COLUMNS,
    credit_note_by_number,
    damaged_lines,
    return_by_number,
    returns_export_rows,
    returns_filtered,
    returns_matching,
)
from omslink.spreadsheets.exports import export_format, spreadsheet_response
from omslink.web.access import operation_required, signed_in_user
from omslink.web.page_inputs import form_number, requested_page

MAX_SCAN_LENGTH = 100
MAX_MATCHES = 20


def _choice(value: str | None, choices: list[str]) -> str:
    return value if value in choices else ""


@operation_required("returns_view")
def return_list(request: HttpRequest) -> HttpResponseBase:
    """Expected returns (the default) or received ones, newest first, by site and type.

    `?export=csv|xlsx` downloads every return the filters select.
    """
    status = _choice(request.GET.get("status"), ReturnStatus.values) or ReturnStatus.EXPECTED
    kind = _choice(request.GET.get("type"), ReturnType.values)
    sites = list(Site.objects.filter(online_fulfilment=True).order_by("code"))
    site = _choice(request.GET.get("site"), [s.code for s in sites])
    if fmt := export_format(request):
        return spreadsheet_response(
            fmt,
            name="returns",
            header=RETURN_EXPORT_COLUMNS,
            rows=returns_export_rows(status=status, site=site or None, type=kind or None),
        )
    rows, next_cursor = requested_page(
        request, returns_filtered(status=status, site=site or None, type=kind or None)
    )
    return render(
        request,
        "returns/return_list.html",
        {
            "returns": [ReturnOut.of(row) for row in rows],
            "next_cursor": next_cursor,
            "status": status,
            "type": kind,
            "site": site,
            "sites": sites,
            "statuses": ReturnStatus.values,
            "types": ReturnType.values,
        },
    )


@operation_required("returns_view")
def return_scan(request: HttpRequest) -> HttpResponse:
    """Find a parcel's return by what is scanned or typed: AWB, order or return number.

    One expected return found opens it; several are listed; none says so.
    """
    code = request.GET.get("code", "").strip()[:MAX_SCAN_LENGTH]
    found: list[ReturnOut] = []
    if code:
        matches = list(returns_matching(code)[:MAX_MATCHES])
        expected = [ret for ret in matches if ret.status == ReturnStatus.EXPECTED]
        if len(expected) == 1:
            return HttpResponseRedirect(reverse("returns:detail", args=[expected[0].number]))
        found = [ReturnOut.of(ret) for ret in matches]
    return render(request, "returns/scan.html", {"code": code, "found": found})


@operation_required("returns_view")
def return_detail(request: HttpRequest, number: str) -> HttpResponse:
    """One return: its lines, and the counts form while it is expected."""
    ret = return_by_number(number)
    expected: dict[str, tuple[int, str]] = {}
    for line in ret.lines.all():
        item = line.order_line.item
        units, _ = expected.get(item.sku, (0, ""))
        expected[item.sku] = (units + line.quantity, item.barcode)
    return render(
        request,
        "returns/return_detail.html",
        {
            "ret": ReturnOut.of(ret),
            "skus": [(sku, units, barcode) for sku, (units, barcode) in sorted(expected.items())],
        },
    )


def _count(text: str) -> int | str:
    """A count field: blank is 0, digits a number, anything else text for validation to name."""
    return form_number(text) if text.strip() else 0


@require_POST
@operation_required("returns_receive")
def return_receive(request: HttpRequest, number: str) -> HttpResponse:
    """Receive as `POST /api/v1/returns/{number}/receive` does, from the counts form."""
    ret = return_by_number(number)
    lines = [
        {"sku": sku, "good": _count(good), "damaged": _count(damaged)}
        for sku, good, damaged in zip(
            request.POST.getlist("sku"),
            request.POST.getlist("good"),
            request.POST.getlist("damaged"),
            strict=False,
        )
    ]
    try:
        received = services.return_receive(
            ret=ret,
            user=signed_in_user(request),
            payload=validate_as(ReceiveIn, {"lines": lines}),
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        note = getattr(received, "credit_note", None)
        messages.success(
            request,
            f"{received.number} is received"
            + (f"; credit note {note.number} is issued." if note else "."),
        )
    return HttpResponseRedirect(reverse("returns:detail", args=[ret.number]))


@operation_required("returns_view")
def damaged_report(request: HttpRequest) -> HttpResponse:
    """Damaged units that came back, by return: not in stock, to be claimed or written off."""
    sites = list(Site.objects.filter(online_fulfilment=True).order_by("code"))
    site = _choice(request.GET.get("site"), [s.code for s in sites])
    rows, next_cursor = requested_page(request, damaged_lines(site=site or None))
    return render(
        request,
        "returns/damaged.html",
        {"rows": rows, "next_cursor": next_cursor, "site": site, "sites": sites},
    )


@operation_required("returns_view")
def credit_note_document(request: HttpRequest, number: str) -> HttpResponse:
    """The credit note PDF for pages (the session's role, not an API token)."""
    note = credit_note_by_number(number)
    response = HttpResponse(services.credit_note_pdf(note=note), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{credit_note_filename(note.number)}"'
    return response
