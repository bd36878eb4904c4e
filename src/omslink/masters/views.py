"""Masters pages: list org units, sites, items and customers, and add one of each.

One view serves the four kinds from a table of what differs between them (columns, form
fields, the request schema and the service), so they look and behave alike. A form is validated
by the API's own schema and saved by the API's own service, so the page refuses exactly what
the API refuses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from ninja import Schema

from omslink.core.errors import ApplicationError, NotFound
from omslink.core.operations import permission_name
from omslink.core.states import state_choices
from omslink.core.validation import validate_as
from omslink.masters import services
from omslink.masters.models import Customer, Item, OrgUnit, Site
from omslink.masters.schemas import GST_RATES, CustomerIn, ItemIn, OrgUnitIn, SiteIn
from omslink.spreadsheets.exports import CHUNK_ROWS, export_format, spreadsheet_response
from omslink.spreadsheets.kinds import KINDS as IMPORT_KINDS
from omslink.web.access import operation_required, signed_in_user
from omslink.web.form_errors import in_words
from omslink.web.page_inputs import requested_page


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    kind: str = "text"  # text, textarea, checkbox, state, org_unit, gst_rate
    required: bool = True
    hint: str = ""


@dataclass(frozen=True)
class MasterKind:
    slug: str
    title: str
    singular: str
    rows: Callable[[], QuerySet[Any]]
    columns: tuple[tuple[str, str], ...]
    fields: tuple[FormField, ...]
    schema: type[Schema]
    create: Callable[[Any], Model]


KINDS = {
    kind.slug: kind
    for kind in (
        MasterKind(
            "org-units",
            "Org units",
            "org unit",
            OrgUnit.objects.all,
            (("Code", "code"), ("Name", "name"), ("GSTIN", "gstin"), ("State", "state_code")),
            (
                FormField("code", "Code", hint="e.g. OU1"),
                FormField("name", "Legal name"),
                FormField("gstin", "GSTIN", hint="15 characters, e.g. 29ABCDE1234F1Z5"),
                FormField("state_code", "State", "state"),
                FormField("address", "Address", "textarea", required=False),
            ),
            OrgUnitIn,
            lambda payload: services.org_unit_create(payload=payload),
        ),
        MasterKind(
            "sites",
            "Sites",
            "site",
            lambda: Site.objects.select_related("org_unit"),
            (
                ("Code", "code"),
                ("Name", "name"),
                ("Org unit", "org_unit.code"),
                ("Online fulfilment", "online_fulfilment"),
            ),
            (
                FormField("code", "Code", hint="e.g. WH1"),
                FormField("name", "Name"),
                FormField("org_unit", "Org unit", "org_unit"),
                FormField(
                    "online_fulfilment",
                    "Fulfils the org unit's online orders",
                    "checkbox",
                    required=False,
                ),
                FormField("address", "Address", "textarea", required=False),
            ),
            SiteIn,
            lambda payload: services.site_create(payload=payload),
        ),
        MasterKind(
            "items",
            "Items",
            "item",
            Item.objects.all,
            (
                ("SKU", "sku"),
                ("Name", "name"),
                ("HSN", "hsn_code"),
                ("GST %", "gst_rate"),
                ("MRP", "mrp"),
                ("Bin", "bin"),
                ("Barcode", "barcode"),
            ),
            (
                FormField("sku", "SKU"),
                FormField("name", "Name"),
                FormField("hsn_code", "HSN code", hint="4, 6 or 8 digits"),
                FormField("gst_rate", "GST rate", "gst_rate"),
                FormField("mrp", "MRP", hint="e.g. 499.00"),
                FormField("bin", "Bin", required=False),
                FormField("barcode", "Barcode", required=False),
            ),
            ItemIn,
            lambda payload: services.items_create(items=[payload])[0],
        ),
        MasterKind(
            "customers",
            "Customers",
            "customer",
            Customer.objects.all,
            (("Code", "code"), ("Name", "name"), ("GSTIN", "gstin"), ("State", "state_code")),
            (
                FormField("code", "Code"),
                FormField("name", "Name"),
                FormField("gstin", "GSTIN", required=False, hint="leave empty for none"),
                FormField("state_code", "State", "state"),
                FormField("address", "Address", "textarea", required=False),
            ),
            CustomerIn,
            lambda payload: services.customer_create(payload=payload),
        ),
    )
}


def _kind(slug: str) -> MasterKind:
    if slug not in KINDS:
        raise NotFound(f"No masters page {slug!r}.")
    return KINDS[slug]


def _cell(row: Model, path: str) -> Any:
    value: Any = row
    for part in path.split("."):
        value = getattr(value, part)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def _form_data(kind: MasterKind, posted: Any) -> dict[str, Any]:
    """Turn posted strings into the API body: checkboxes are booleans, empty optionals absent."""
    data: dict[str, Any] = {}
    for field in kind.fields:
        if field.kind == "checkbox":
            data[field.name] = field.name in posted
            continue
        value = posted.get(field.name, "")
        if value or field.required:
            data[field.name] = value
    return data


def _render(
    request: HttpRequest,
    kind: MasterKind,
    *,
    entered: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    rows, next_cursor = requested_page(request, kind.rows(), newest_first=False)
    return render(
        request,
        "masters/master_list.html",
        {
            "kind": kind,
            "kinds": KINDS.values(),
            "table": [[_cell(row, path) for _, path in kind.columns] for row in rows],
            "next_cursor": next_cursor,
            "form_fields": [(field, (entered or {}).get(field.name, "")) for field in kind.fields],
            "states": state_choices(),
            "org_units": OrgUnit.objects.order_by("code"),
            "gst_rates": [f"{rate:.2f}" for rate in sorted(GST_RATES)],
            "import_kind": IMPORT_KINDS.get(kind.slug),
        },
        status=status,
    )


@operation_required("masters_view")
def master_list(request: HttpRequest, slug: str) -> HttpResponseBase:
    """The list and its add form; `?export=csv|xlsx` downloads the whole list."""
    kind = _kind(slug)
    if request.method == "POST":
        return _create(request, kind)
    fmt = export_format(request)
    if fmt is not None:
        rows = (
            [_cell(row, path) for _, path in kind.columns]
            for row in kind.rows().order_by("pk").iterator(chunk_size=CHUNK_ROWS)
        )
        header = [path.replace(".code", "") for _, path in kind.columns]
        return spreadsheet_response(fmt, name=kind.slug, header=header, rows=rows)
    return _render(request, kind)


def _create(request: HttpRequest, kind: MasterKind) -> HttpResponse:
    if not signed_in_user(request).has_perm(permission_name("masters_edit")):
        messages.error(request, "Your role does not allow adding masters.")
        return _render(request, kind, status=403)
    data = _form_data(kind, request.POST)
    try:
        created = kind.create(validate_as(kind.schema, data))
    except ApplicationError as exc:
        labels = {field.name: field.label for field in kind.fields}
        messages.error(request, f"The {kind.singular} was not added: {in_words(exc, labels)}")
        return _render(request, kind, entered=data, status=exc.status)
    messages.success(request, f"Added {kind.singular} {_cell(created, kind.columns[0][1])}.")
    return HttpResponseRedirect(reverse("masters:list", args=[kind.slug]))


@operation_required("masters_view")
def masters_home(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(reverse("masters:list", args=["org-units"]))
