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
from sqlalchemy import select

from shop.extensions import db
from shop.invoicing.models import CreditNote, Invoice
from shop.orders.models import Refund
from shop.reporting.report_csv import bestsellers_csv, euro, report_filename, sales_csv, vat_csv
from shop.reporting.reports import bestsellers, sales_per_producer, vat_report
from shop.reporting.statements import period_bounds
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


def _amounts(part) -> tuple[int, int, int]:
    return (part.base_cents, part.vat_cents, part.gross_cents)


def test_vat_report_is_the_invoices_minus_the_credit_notes_of_the_period(db):
    make_november_sales()

    report = vat_report(NOV_START, NOV_END)

    # Invoices of November: loose (6 %: 1350, 21 %: 3000), package (6 %: 7000), cancelled (6 %: 3150) and
    # refunded (6 %: 3000); credit notes of November: the cancelled and the refunded order in full. The invoice
    # issued on 1 December in Ghent and its credit note of 2 December are not counted.
    assert (report.invoice_count, report.credit_note_count) == (4, 2)
    assert [(line.rate, _amounts(line.invoiced), _amounts(line.credited), _amounts(line.net))
            for line in report.lines] == [
        (6, (13680, 820, 14500), (2972 + 2830, 178 + 170, 6150), (7878, 472, 8350)),
        (21, (2479, 521, 3000), (0, 0, 0), (2479, 521, 3000)),
    ]
    assert _amounts(report.invoiced) == (16159, 1341, 17500)
    assert _amounts(report.credited) == (5802, 348, 6150)
    assert _amounts(report.net) == (10357, 993, 11350)


def _documents_of_the_period(model, start, end) -> list:
    since, until = period_bounds(start, end)
    return list(db.session.scalars(select(model).where(model.issued_at >= since, model.issued_at < until)))


def test_vat_report_equals_the_documents_of_the_period_to_the_cent(db):
    data = make_november_sales()
    # Partial refunds in November (split over the invoice's rates), and one in December that must not count.
    make_refund(data["loose"], 1234, at=datetime(2026, 11, 20, 9, tzinfo=UTC), reason="Fles gebarsten")
    make_refund(data["packaged"], 99, at=datetime(2026, 11, 30, 22, 59, tzinfo=UTC), reason="Gebaar")  # 23:59
    make_refund(data["packaged"], 500, at=datetime(2026, 11, 30, 23, 0, tzinfo=UTC), reason="December")  # 1 Dec
    db.session.flush()

    report = vat_report(NOV_START, NOV_END)

    invoices = _documents_of_the_period(Invoice, NOV_START, NOV_END)
    notes = _documents_of_the_period(CreditNote, NOV_START, NOV_END)
    assert (report.invoice_count, report.credit_note_count) == (len(invoices), len(notes)) == (4, 4)
    for line in report.lines:
        for key in ("base_cents", "vat_cents", "gross_cents"):
            invoiced = sum(v[key] for doc in invoices for v in doc.vat_lines if v["rate"] == line.rate)
            credited = sum(v[key] for doc in notes for v in doc.vat_lines if v["rate"] == line.rate)
            assert (getattr(line.invoiced, key), getattr(line.credited, key), getattr(line.net, key)) == (
                invoiced, credited, invoiced - credited)
    assert report.credited.gross_cents == 3150 + 3000 + 1234 + 99
    assert report.net.gross_cents == sum(doc.total_cents for doc in invoices) - sum(doc.total_cents for doc in notes)
    # Every document's total is its base + VAT + rounding, so the report's are too.
    assert report.net.gross_cents == report.net.base_cents + report.net.vat_cents + (
        sum(doc.rounding_cents for doc in invoices) - sum(doc.rounding_cents for doc in notes))


def test_vat_report_lists_the_refunds_of_the_period_with_their_credit_notes(db):
    data = make_november_sales()

    report = vat_report(NOV_START, NOV_END)

    notes = {note.refund_id: note.number for note in db.session.scalars(select(CreditNote))}
    assert [(row.day, row.order_number, row.amount_cents, row.reason, row.credit_note_number)
            for row in report.refunds] == [
        (date(2026, 11, 7), data["cancelled"].number, 3150, "Geannuleerd", notes[report.refunds[0].refund_id]),
        (date(2026, 11, 10), data["refunded"].number, 3000, "Klant ziek", notes[report.refunds[1].refund_id]),
    ]
    assert report.refunded_cents == 6150


def test_a_failed_refund_is_listed_but_not_counted(db):
    data = make_november_sales()
    db.session.add(Refund(order_id=data["loose"].id, amount_cents=500, status="failed", reason="Kaart verlopen",
                          created_at=datetime(2026, 11, 20, 9, tzinfo=UTC)))
    db.session.flush()

    report = vat_report(NOV_START, NOV_END)

    assert [(row.amount_cents, row.status_label, row.counted, row.credit_note_number)
            for row in report.refunds][-1] == (500, "mislukt", False, "")
    assert report.refunded_cents == 6150
    assert report.credit_note_count == 2


def test_vat_csv_has_invoiced_credited_and_net_per_rate_the_counts_and_the_refunds(db):
    data = make_november_sales()

    rows = _rows(vat_csv(vat_report(NOV_START, NOV_END)))

    numbers = [note.number for note in db.session.scalars(select(CreditNote).order_by(CreditNote.id))]
    assert rows == [
        ["Btw-tarief", "Maatstaf gefactureerd", "Btw gefactureerd", "Totaal gefactureerd",
         "Maatstaf gecrediteerd", "Btw gecrediteerd", "Totaal gecrediteerd", "Maatstaf netto", "Btw netto",
         "Totaal netto"],
        ["6 %", "136,80", "8,20", "145,00", "58,02", "3,48", "61,50", "78,78", "4,72", "83,50"],
        ["21 %", "24,79", "5,21", "30,00", "0,00", "0,00", "0,00", "24,79", "5,21", "30,00"],
        ["Totaal", "161,59", "13,41", "175,00", "58,02", "3,48", "61,50", "103,57", "9,93", "113,50"],
        [],
        ["Facturen", "4"],
        ["Creditnota's", "2"],
        [],
        ["Terugbetaling op", "Bestelling", "Bedrag", "Status", "Reden", "Creditnota"],
        ["2026-11-07", data["cancelled"].number, "31,50", "uitgevoerd", "Geannuleerd", numbers[0]],
        ["2026-11-10", data["refunded"].number, "30,00", "uitgevoerd", "Klant ziek", numbers[1]],
        ["Totaal terugbetaald", "", "61,50", "", "", ""],
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
