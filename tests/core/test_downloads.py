"""The shop's CSV files: one writer (shop.core.downloads.csv_bytes) and every cell through one function that
writes a formula as text, so that a name like ``=HYPERLINK(...)`` typed by a producer or a customer is never run
by the spreadsheet of the staff member who opens the file."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shop.core.downloads import FORMULA_STARTS, csv_bytes, csv_cell
from tests.factories import (
    log_in_as,
    make_company_customer,
    make_order_paid_at,
    make_package,
    make_producer,
    make_product,
    make_refund,
    make_staff,
    make_user,
)

CODE = Path(__file__).resolve().parents[2] / "shop"
NOVEMBER = "van=2026-11-01&tot=2026-11-30"
PRODUCER = '=HYPERLINK("http://example.com/x","Klik")'
PRODUCT = "+SUM(1;2)"
PACKAGE = "@cmd|' /C calc'!A0"
REASON = "-2+3 terug"
# Every CSV download of the shop: (who downloads it, its URL, the formulas of ``formulas`` it shows). A new one
# is added here (see the test below).
DOWNLOADS = [
    ("staff", f"/beheer/rapporten/verkoop-per-producent?formaat=csv&{NOVEMBER}", {PRODUCER}),
    ("staff", f"/beheer/rapporten/btw?formaat=csv&{NOVEMBER}", {REASON}),
    ("staff", f"/beheer/rapporten/bestsellers?formaat=csv&{NOVEMBER}", {PRODUCT, PRODUCER, PACKAGE}),
    ("producer", "/portaal/csv/export", {PRODUCT}),
    ("company", "/bedrijfsgeschenken/sjabloon.csv", {PRODUCT, PACKAGE}),
]
# The modules whose views hand out a CSV (csv_response): each one's downloads are in DOWNLOADS.
CSV_VIEW_MODULES = {"backoffice/report_views.py", "gifts/views.py", "portal/supply_views.py"}


@pytest.mark.parametrize(("value", "cell"), [
    ("Hoevekaas", "Hoevekaas"), ("=SUM(A1)", "'=SUM(A1)"), ("+32", "'+32"), ("-", "'-"), ("@x", "'@x"),
    ("\tx", "'\tx"), ("\r=1", "'\r=1"), ("", ""), (None, ""), (12, "12"), (-3, "-3"), ("-12,50", "-12,50"),
    ("-0.5", "-0.5"), ("-12,50=1", "'-12,50=1"), ("Kaas = lekker", "Kaas = lekker"),
])
def test_a_cell_that_starts_like_a_formula_is_written_as_text(value, cell):
    assert csv_cell(value) == cell


def test_the_file_is_what_belgian_excel_opens():
    assert csv_bytes([["naam", "prijs"], ["=1", "-1,50"]]) == "\ufeffnaam;prijs\r\n'=1;-1,50\r\n".encode()


def test_the_shop_has_one_csv_writer():
    writers = sorted(str(path.relative_to(CODE)) for path in CODE.rglob("*.py")
                     if re.search(r"csv\.(writer|DictWriter)\(", path.read_text(encoding="utf-8")))
    assert writers == ["core/downloads.py"]


def test_every_module_that_hands_out_a_csv_has_its_downloads_tested():
    modules = {str(path.relative_to(CODE)) for path in CODE.rglob("*.py")
               if "csv_response(" in path.read_text(encoding="utf-8")} - {"core/downloads.py"}
    assert modules == CSV_VIEW_MODULES


@pytest.fixture
def formulas(db):
    """Names and a reason that are formulas, in every CSV: a producer, its product and a package sold in
    November 2026, one order refunded."""
    producer = make_producer(PRODUCER)
    product = make_product(PRODUCT, producer=producer, price_cents=500, stock=50)
    package = make_package([(product, 1)], price_cents=900, name=PACKAGE)
    order = make_order_paid_at((product, 2), (package, 1), at=datetime(2026, 11, 5, 10, tzinfo=UTC))
    db.session.commit()
    make_refund(order, 100, reason=REASON, at=datetime(2026, 11, 6, 10, tzinfo=UTC))
    users = {"staff": make_staff(), "producer": make_user(role="producer", producer=producer),
             "company": make_company_customer("inkoop@voorbeeld.be")}
    db.session.commit()
    return users


def _cells(response) -> list[str]:
    text = response.get_data().decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text, newline=""), delimiter=";") for cell in row]


@pytest.mark.parametrize(("who", "url", "shown"), DOWNLOADS)
def test_every_csv_download_writes_formulas_as_text(client, formulas, who, url, shown):
    log_in_as(client, formulas[who])

    response = client.get(url)

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    cells = _cells(response)
    runnable = [cell for cell in cells
                if cell.startswith(FORMULA_STARTS) and not re.fullmatch(r"-?[0-9]+([.,][0-9]+)?", cell)]
    assert runnable == []
    # The formulas made it into the file, as text.
    assert {f"'{formula}" for formula in shown} <= set(cells)
