"""The back office's reports for a period, with exact figures, their CSV form and their query counts.

The data set (``make_november_sales`` in tests/factories.py): in November 2026 (shop time) a loose order
(cheese x3, gin x1) and a package order (2 packages of cheese x2 + jam x1, list prices 900 + 600 of 1500: shares
2100 and 1400 of 3500); a paid order that was cancelled and refunded, and a paid jam order refunded in full (both
left out of sales); an order paid at 23:30 UTC on 30 November, which is 1 December in Ghent (left out).
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from shop.orders.models import Refund
from shop.reporting.report_csv import bestsellers_csv, euro, report_filename, sales_csv, vat_csv
from shop.reporting.reports import bestsellers, sales_per_producer, vat_report
from tests.factories import (
    make_november_sales,
    make_order_paid_at,
    make_package,
    make_producer,
    make_product,
    make_refund,
)
from tests.helpers import count_queries

NOV_START, NOV_END = date(2026, 11, 1), date(2026, 11, 30)


def _rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


# --- sales per producer ----------------------------------------------------------------------------------------


def test_sales_per_producer_counts_loose_lines_and_package_shares(db):
    data = make_november_sales()

    report = sales_per_producer(NOV_START, NOV_END)

    assert [(row.name, row.order_count, row.units, row.total_cents) for row in report.rows] == [
        ("Bakkerij Baert", 1, 2, 2800),
        ("Hoeve De Linde", 2, 8, 8550),
    ]
    assert report.rows[0].producer_id == data["baert"].id
    assert report.rates == [6, 21]
    linde = report.rows[1].by_rate
    assert (linde[6].gross_cents, linde[6].base_cents, linde[6].vat_cents) == (5550, 5236, 314)
    assert (linde[21].gross_cents, linde[21].base_cents, linde[21].vat_cents) == (3000, 2479, 521)
    assert 21 not in report.rows[0].by_rate
    assert (report.units, report.total_cents) == (10, 11350)
    assert [(t.rate, t.gross_cents, t.base_cents, t.vat_cents) for t in report.totals_by_rate.values()] == [
        (6, 8350, 7878, 472), (21, 3000, 2479, 521)]


def test_sales_csv_has_a_header_a_row_per_producer_and_totals(db):
    make_november_sales()

    rows = _rows(sales_csv(sales_per_producer(NOV_START, NOV_END)))

    assert rows[0] == ["Producent", "Producentnummer", "Bestellingen", "Aantal", "Bedrag incl. btw",
                       "Maatstaf 6 %", "Btw 6 %", "Maatstaf 21 %", "Btw 21 %"]
    assert [row[:1] + row[2:] for row in rows[1:]] == [
        ["Bakkerij Baert", "1", "2", "28,00", "26,42", "1,58", "0,00", "0,00"],
        ["Hoeve De Linde", "2", "8", "85,50", "52,36", "3,14", "24,79", "5,21"],
        ["Totaal", "", "10", "113,50", "78,78", "4,72", "24,79", "5,21"],
    ]


def test_sales_per_producer_of_an_empty_period_is_empty(db):
    make_november_sales()

    report = sales_per_producer(date(2026, 10, 1), date(2026, 10, 31))

    assert (report.rows, report.rates, report.total_cents) == ([], [], 0)
    assert _rows(sales_csv(report)) == [
        ["Producent", "Producentnummer", "Bestellingen", "Aantal", "Bedrag incl. btw"], ["Totaal", "", "", "0", "0,00"]]


# --- VAT per rate ----------------------------------------------------------------------------------------------


def test_vat_report_sums_the_invoices_issued_in_the_period(db):
    make_november_sales()

    report = vat_report(NOV_START, NOV_END)

    # Invoices of November: loose (6 %: 1350, 21 %: 3000), package (6 %: 7000), cancelled (6 %: 3150) and
    # refunded (6 %: 3000); the one issued on 1 December in Ghent is not counted.
    assert report.invoice_count == 4
    assert [(line.rate, line.base_cents, line.vat_cents, line.gross_cents) for line in report.lines] == [
        (6, 13680, 820, 14500), (21, 2479, 521, 3000)]
    assert (report.base_cents, report.vat_cents, report.gross_cents) == (16159, 1341, 17500)


def test_vat_report_lists_the_refunds_of_the_period_apart(db):
    data = make_november_sales()

    report = vat_report(NOV_START, NOV_END)

    assert [(row.day, row.order_number, row.amount_cents, row.reason) for row in report.refunds] == [
        (date(2026, 11, 7), data["cancelled"].number, 3150, "Geannuleerd"),
        (date(2026, 11, 10), data["refunded"].number, 3000, "Klant ziek"),
    ]
    assert report.refunded_cents == 6150


def test_a_failed_refund_is_listed_but_not_counted(db):
    data = make_november_sales()
    db.session.add(Refund(order_id=data["loose"].id, amount_cents=500, status="failed", reason="Kaart verlopen",
                          created_at=datetime(2026, 11, 20, 9, tzinfo=UTC)))
    db.session.flush()

    report = vat_report(NOV_START, NOV_END)

    assert [(row.amount_cents, row.status_label, row.counted) for row in report.refunds][-1] == (500, "mislukt", False)
    assert report.refunded_cents == 6150


def test_vat_csv_has_the_rates_the_totals_and_the_refunds(db):
    data = make_november_sales()

    rows = _rows(vat_csv(vat_report(NOV_START, NOV_END)))

    assert rows == [
        ["Btw-tarief", "Maatstaf", "Btw", "Totaal incl. btw", "Facturen"],
        ["6 %", "136,80", "8,20", "145,00", ""],
        ["21 %", "24,79", "5,21", "30,00", ""],
        ["Totaal", "161,59", "13,41", "175,00", "4"],
        [],
        ["Terugbetaling op", "Bestelling", "Bedrag", "Status", "Reden"],
        ["2026-11-07", data["cancelled"].number, "31,50", "uitgevoerd", "Geannuleerd"],
        ["2026-11-10", data["refunded"].number, "30,00", "uitgevoerd", "Klant ziek"],
        ["Totaal terugbetaald", "", "61,50", "", ""],
    ]


# --- best sellers ----------------------------------------------------------------------------------------------


def test_bestsellers_count_package_components_and_leave_out_cancelled_and_refunded_orders(db):
    data = make_november_sales()

    report = bestsellers(NOV_START, NOV_END)

    # Cheese: 3 loose (1350) + 2 packages x 2 (2 x 2100); jam only in packages (the refunded order is out).
    assert [(row.name, row.producer, row.units, row.revenue_cents) for row in report.products] == [
        ("Hoevekaas", "Hoeve De Linde", 7, 5550),
        ("Aardbeienconfituur", "Bakkerij Baert", 2, 2800),
        ("Hoevegin", "Hoeve De Linde", 1, 3000),
    ]
    assert [(row.id, row.name, row.units, row.revenue_cents) for row in report.packages] == [
        (data["package"].id, "Ontbijtpakket", 2, 7000)]


def test_bestsellers_keep_the_top_fifty(db):
    producer = make_producer("Hoeve Veel")
    products = [make_product(f"Product {i:02d}", producer=producer, price_cents=100, stock=100) for i in range(52)]
    make_order_paid_at(*[(product, 1 + i) for i, product in enumerate(products)], at=datetime(2026, 11, 5, tzinfo=UTC))
    db.session.flush()

    report = bestsellers(NOV_START, NOV_END)

    assert len(report.products) == 50
    assert (report.products[0].name, report.products[0].units) == ("Product 51", 52)
    assert (report.products[-1].name, report.products[-1].units) == ("Product 02", 3)


def test_bestsellers_csv_lists_products_then_packages(db):
    make_november_sales()

    rows = _rows(bestsellers_csv(bestsellers(NOV_START, NOV_END)))

    assert rows == [
        ["Rang", "Product", "Producent", "Aantal", "Omzet incl. btw"],
        ["1", "Hoevekaas", "Hoeve De Linde", "7", "55,50"],
        ["2", "Aardbeienconfituur", "Bakkerij Baert", "2", "28,00"],
        ["3", "Hoevegin", "Hoeve De Linde", "1", "30,00"],
        [],
        ["Rang", "Pakket", "", "Aantal", "Omzet incl. btw"],
        ["1", "Ontbijtpakket", "", "2", "70,00"],
    ]


# --- CSV conventions and query counts --------------------------------------------------------------------------


@pytest.mark.parametrize("cents, text", [(0, "0,00"), (5, "0,05"), (1250, "12,50"), (123456, "1234,56"),
                                         (-5, "-0,05"), (-150, "-1,50")])
def test_euro_amounts_have_a_decimal_comma(cents, text):
    assert euro(cents) == text


def test_file_name_names_the_period():
    assert report_filename("verkoop-per-producent", NOV_START, NOV_END) == \
        "verkoop-per-producent-2026-11-01-2026-11-30.csv"


def _more_sales(db, count: int) -> None:
    for i in range(count):
        producer = make_producer(f"Extra {i}")
        product = make_product(f"Extra product {i}", producer=producer, price_cents=500, stock=50)
        package = make_package([(product, 1)], price_cents=900)
        order = make_order_paid_at((product, 2), (package, 1), at=datetime(2026, 11, 12, tzinfo=UTC))
        make_refund(order, 100, at=datetime(2026, 11, 13, tzinfo=UTC), reason="Terugbetaald")
    db.session.flush()


@pytest.mark.parametrize("build", [sales_per_producer, vat_report, bestsellers])
def test_reports_use_a_fixed_number_of_queries(db, build):
    make_november_sales()
    _more_sales(db, 1)
    with count_queries(db.engine) as few:
        build(NOV_START, NOV_END)
    _more_sales(db, 6)
    with count_queries(db.engine) as many:
        build(NOV_START, NOV_END)

    assert len(many) == len(few)
    assert len(few) <= 6
