"""In Chromium: import from the Masters page with a live progress bar, leave, find the result."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from omslink.core.operations import ADMINISTRATOR
from omslink.masters.models import Item
from tests.conftest import Masters, sign_in
from tests.spreadsheets.conftest import ITEM_HEADER, item_rows, write_csv

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ROWS = 40_000


def test_import_with_progress_bar_then_the_imports_page(
    page: Any, masters: Masters, make_user: Any, files: Path
) -> None:
    make_user(ADMINISTRATOR, "onboarder")
    sign_in(page, "onboarder")
    page.get_by_role("link", name="Masters").first.click()
    page.locator("nav.tabs").get_by_role("link", name="Items").click()
    form = page.locator("#import")
    template = form.get_by_role("link", name="CSV")
    with page.expect_download() as download:
        template.click()
    assert download.value.suggested_filename.startswith("items-template-")

    form.locator("#import-file").set_input_files(
        str(write_csv(files / "catalogue.csv", item_rows(ROWS)))
    )
    form.get_by_role("button", name="Import").click()
    page.wait_for_url(re.compile(r"/imports/\d+/$"))
    job_url = page.url
    page.wait_for_function(
        "() => { const c = document.getElementById('import-counts');"
        " return c && /[1-9][0-9,]* (rows checked|of)/.test(c.textContent); }",
        timeout=120_000,
    )
    assert 0 < float(page.locator("#import-bar").get_attribute("value") or 0) <= 100
    page.wait_for_function(
        "() => { const e = document.getElementById('import-eta');"
        " return e && /left/.test(e.textContent); }",
        timeout=120_000,
    )
    page.wait_for_selector("#import-result", timeout=300_000)
    assert "Imported" in page.locator("#import-result h2").inner_text()
    assert (
        f"{ROWS} rows: created {ROWS}, updated 0, unchanged 0"
        in page.locator("#import-summary").inner_text()
    )
    assert Item.objects.filter(sku__startswith="SKU-").count() == ROWS

    # A bad file: the user leaves its page at once; the Imports page keeps the result.
    bad = write_csv(
        files / "bad.csv",
        [
            ITEM_HEADER,
            ("SKU-000001", "Renamed", "6109", "5", "1.00", "", ""),
            ("SKU-000001", "Twice", "6109", "5", "1.00", "", ""),
            ("X", "Y", "12", "9", "1", "", ""),
        ],
    )
    page.goto("/masters/items/")
    page.locator("#import-file").set_input_files(str(bad))
    page.locator("#import").get_by_role("button", name="Import").click()
    page.wait_for_url(re.compile(r"/imports/\d+/$"))
    bad_url = page.url
    page.get_by_role("link", name="Stock").first.click()
    page.get_by_role("link", name="Imports").first.click()
    rows = page.locator("#imports tbody tr")
    assert rows.count() == 2
    page.wait_for_function(
        "() => /Refused/.test(document.querySelector('#imports tbody tr').textContent)"
        " || (location.reload(), false)",
        polling=1000,
        timeout=60_000,
    )
    newest = page.locator("#imports tbody tr").first
    assert "3 bad rows; nothing stored" in newest.inner_text()
    assert "Succeeded" in page.locator("#imports tbody tr").nth(1).inner_text()
    newest.get_by_role("link").click()
    assert page.url == bad_url
    errors = page.locator("#import-errors tbody tr")
    assert errors.count() == 3
    assert "SKU-000001 is already on row 2" in errors.first.inner_text()
    with page.expect_download() as download:
        page.locator("#import-errors-csv").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "row,column,message"
    assert len(text.splitlines()) == 4
    assert Item.objects.get(sku="SKU-000001").name == "Item 1", "nothing of the bad file stored"
    assert page.goto(job_url) is not None
    assert page.locator("#import-result").is_visible()
