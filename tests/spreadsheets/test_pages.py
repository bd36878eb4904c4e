"""The Imports pages: who may import what, the background job, and uploads that are refused."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from omslink.inventory.models import StockMove
from omslink.masters.models import Item
from omslink.spreadsheets.models import ImportJob
from tests.conftest import Masters
from tests.spreadsheets.conftest import ITEM_HEADER, item_rows

MakeUser = Callable[..., tuple[Any, str]]
ROLES = ("Administrator", "Warehouse", "Viewer")


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def clients(make_user: MakeUser) -> dict[str, Client]:
    return {role: signed_in(make_user(role)[0]) for role in ROLES}


def csv_upload(rows: list[tuple[Any, ...]], name: str = "file.csv") -> SimpleUploadedFile:
    text = "".join(",".join(str(cell) for cell in row) + "\n" for row in rows)
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def finished(job_id: int, timeout: float = 60) -> ImportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = ImportJob.objects.get(pk=job_id)
        if job.finished:
            return job
        time.sleep(0.1)
    raise AssertionError(f"import {job_id} did not finish")


def start(client: Client, kind: str, upload: SimpleUploadedFile, **fields: str) -> Any:
    return client.post("/imports/new/", {"kind": kind, "file": upload, **fields})


GOOD: dict[str, list[tuple[Any, ...]]] = {
    "items": [ITEM_HEADER[:5], ("NEW-1", "New one", "6109", "5", "10.00")],
    "customers": [("code", "name", "state_code"), ("NEWC", "New customer", "KA")],
    "stock": [("sku", "quantity"), ("TEE-RED-M", "3")],
}
MAY_IMPORT = {
    "Administrator": {"items", "customers", "stock"},
    "Warehouse": {"stock"},
    "Viewer": set(),
}
MAY_SEE = {
    "Administrator": {"items", "customers", "stock"},
    "Warehouse": {"stock"},
    "Viewer": {"items", "customers", "stock"},
}


@pytest.mark.django_db(transaction=True)
def test_permission_matrix_of_every_import_route(
    masters: Masters, clients: dict[str, Client]
) -> None:
    jobs: dict[str, int] = {}
    for role, client in clients.items():
        assert client.get("/imports/").status_code == 200, role
        for kind, rows in GOOD.items():
            answer = start(client, kind, csv_upload(rows), site="WH1")
            if kind in MAY_IMPORT[role]:
                assert answer.status_code == 302, (role, kind)
                job_id = int(answer["Location"].rstrip("/").split("/")[-1])
                assert finished(job_id).status == "succeeded", (role, kind)
                jobs[kind] = job_id
            else:
                assert answer.status_code == 403, (role, kind)
            for fmt in ("csv", "xlsx"):
                template = client.get(f"/imports/templates/{kind}.{fmt}")
                assert template.status_code == (200 if kind in MAY_SEE[role] else 403)
    assert ImportJob.objects.count() == 4, "refused uploads leave no job"
    for role, client in clients.items():
        for kind, job_id in jobs.items():
            expected = 200 if kind in MAY_SEE[role] else 404
            for path in ("", "progress/", "errors.csv"):
                assert client.get(f"/imports/{job_id}/{path}").status_code == expected, (
                    role,
                    kind,
                    path,
                )
        listed = client.get("/imports/").content.decode()
        assert (f'href="/imports/{jobs["items"]}/"' in listed) == ("items" in MAY_SEE[role])
    signed_out = Client()
    assert signed_out.get("/imports/").status_code == 302
    assert start(signed_out, "items", csv_upload(GOOD["items"])).status_code == 302
    assert signed_out.get(f"/imports/{jobs['items']}/").status_code == 302
    assert Item.objects.filter(sku="NEW-1").exists()
    assert StockMove.objects.filter(item__sku="TEE-RED-M").count() == 2, (
        "Administrator and Warehouse"
    )


@pytest.mark.django_db(transaction=True)
def test_a_refused_file_keeps_its_errors_on_the_imports_page(
    masters: Masters, clients: dict[str, Client]
) -> None:
    admin = clients["Administrator"]
    rows = [
        ITEM_HEADER[:5],
        ("A-1", "Fine", "6109", "5", "1"),
        ("A-1", "Again", "6109", "5", "1"),
        ("=HYPERLINK(1)", "Bad", "6", "5", "x"),
    ]
    answer = start(admin, "items", csv_upload(rows))
    job = finished(int(answer["Location"].rstrip("/").split("/")[-1]))
    assert (job.status, job.error_count) == ("refused", 3)
    assert not Item.objects.filter(sku="A-1").exists()
    page = admin.get(f"/imports/{job.pk}/").content.decode()
    assert "Refused: nothing was stored" in page
    assert "A-1 is already on row 2" in page
    download: Any = admin.get(f"/imports/{job.pk}/errors.csv")
    text = b"".join(download.streaming_content).decode().removeprefix("\ufeff")
    assert text.splitlines() == [
        "row,column,message",
        "3,sku,A-1 is already on row 2",
        '4,hsn_code,"must be 4, 6 or 8 digits"',
        '4,mrp,"must be a decimal string with at most two places, e.g. ""499.00"""',
    ]
    assert "3 bad rows; nothing stored" in admin.get("/imports/").content.decode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("items.txt", b"sku,name\n", "files of type .txt cannot be imported"),
        ("items.csv", b"", "the file is empty"),
    ],
)
def test_uploads_refused_before_any_job(
    masters: Masters, clients: dict[str, Client], name: str, content: bytes, message: str
) -> None:
    answer = start(clients["Administrator"], "items", SimpleUploadedFile(name, content))
    assert answer.status_code == 302 and answer["Location"] == "/masters/items/"
    shown = clients["Administrator"].get("/masters/items/").content.decode()
    assert f"Nothing was imported: file: {message}" in shown
    assert ImportJob.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_an_upload_over_the_limit_is_refused(
    masters: Masters, clients: dict[str, Client], settings: Any
) -> None:
    settings.OMSLINK_IMPORT_MAX_MB = 0.001
    rows = list(item_rows(100))
    answer = start(clients["Administrator"], "items", csv_upload(rows))
    assert answer["Location"] == "/masters/items/"
    assert (
        "over the 0.001 MiB limit of one import"
        in clients["Administrator"].get("/masters/items/").content.decode()
    )
    assert ImportJob.objects.count() == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("junk.csv", bytes(range(256)) * 40, "the file is not UTF-8 text"),
        ("junk.xlsx", b"\x00\x01binary junk" * 100, "the file is not an Excel workbook (.xlsx)"),
    ],
)
def test_binary_junk_is_refused_with_a_reason(
    masters: Masters, clients: dict[str, Client], name: str, content: bytes, message: str
) -> None:
    answer = start(clients["Administrator"], "items", SimpleUploadedFile(name, content))
    job = finished(int(answer["Location"].rstrip("/").split("/")[-1]))
    assert job.status == "refused"
    first = job.row_errors.get()
    assert first.message.startswith(message)
    assert first.message in clients["Administrator"].get(f"/imports/{job.pk}/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_opening_stock_needs_a_known_site(masters: Masters, clients: dict[str, Client]) -> None:
    answer = start(clients["Warehouse"], "stock", csv_upload(GOOD["stock"]), site="NOPE")
    assert answer["Location"] == "/stock/"
    assert "site: no site" in clients["Warehouse"].get("/stock/").content.decode()
    assert ImportJob.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_process_died_shows_as_failed(
    masters: Masters, clients: dict[str, Client], admin: Any
) -> None:
    gone = subprocess.Popen(["true"])  # a process id that no longer runs
    gone.wait()
    job = ImportJob.objects.create(
        kind="items",
        file_name="items.csv",
        status="running",
        created_by=admin[0],
        host=socket.gethostname(),
        pid=gone.pid,
    )
    page = clients["Administrator"].get(f"/imports/{job.pk}/").content.decode()
    assert "Failed: nothing was stored" in page
    job.refresh_from_db()
    assert job.status == "failed"
    assert "stopped" in job.message


@pytest.mark.django_db(transaction=True)
def test_the_import_forms_show_for_the_roles_that_may_import(
    masters: Masters, clients: dict[str, Client]
) -> None:
    assert 'id="import-form"' in clients["Administrator"].get("/masters/items/").content.decode()
    assert (
        'id="import-form"' in clients["Administrator"].get("/masters/customers/").content.decode()
    )
    assert (
        'id="import-form"' not in clients["Administrator"].get("/masters/sites/").content.decode()
    )
    assert 'id="import-form"' not in clients["Viewer"].get("/masters/items/").content.decode()
    assert 'id="import-form"' in clients["Warehouse"].get("/stock/").content.decode()
    assert 'id="import-form"' not in clients["Viewer"].get("/stock/").content.decode()
    assert 'href="/imports/"' in clients["Viewer"].get("/").content.decode()
