"""Producer statements after a shortage was substituted or refunded: the value moves to whoever delivered; a
refunded shortage comes off through its credit note, from the producer that could not deliver."""

from __future__ import annotations

import pytest

from shop.core.clock import shop_today
from shop.extensions import db as _db
from shop.invoicing.services import get_credit_note_of
from shop.orders.refunds import send_refund
from shop.payments.services import gateway_for
from shop.reporting.statements import build_statement, collect_statements
from shop.supply.shortage_resolution import refund_missing, report_shortage_by_staff, substitute
from tests.factories import make_package, make_paid_order, make_producer, make_product, make_staff, make_vat_category


@pytest.fixture
def sold(db):
    """De Linde sold 3 loose cheeses (4,50) and 2 packages holding 2 cheeses each (share 2101 per package);
    the other farm's jam is in the packages too. Van Hecke (gouda 5,00 at 6 %, jenever 25,00 at 21 %) sold nothing."""
    linde = make_producer("Hoeve De Linde")
    cheese = make_product("Hoevekaas", producer=linde, price_cents=450, stock=50)
    jam = make_product("Aardbeienconfituur", price_cents=600, stock=50)
    dairy = make_producer("Zuivel Van Hecke")
    gouda = make_product("Oude gouda", producer=dairy, price_cents=500, stock=10)
    jenever = make_product("Graanjenever", producer=dairy, price_cents=2500, stock=10,
                           vat=make_vat_category("alcohol", 21), alcohol_pct=35.0)
    package = make_package([(cheese, 2), (jam, 1)], price_cents=3501)
    order = make_paid_order((cheese, 3), (package, 2))
    loose, package_line = order.lines
    return dict(linde=linde, dairy=dairy, cheese=cheese, gouda=gouda, jenever=jenever, order=order, loose=loose,
                package_line=package_line, staff=make_staff())


def _refund_missing(report, staff):
    """Refund the missing part as the back office does: requested and committed, then sent to the provider."""
    refund_missing(report, by=staff)
    _db.session.commit()
    send_refund(report.refund, gateway_for(report.refund.order))
    _db.session.commit()
    return get_credit_note_of(report.refund)


def _lines(producer_id: int):
    today = shop_today()
    statement = build_statement(producer_id, today, today)
    return [(line.name, line.vat_rate, line.units, line.amount_cents) for line in statement.lines], statement


def test_before_any_shortage(db, sold):
    lines, statement = _lines(sold["linde"].id)
    assert lines == [("Hoevekaas", 6, 7, 1350 + 4202)]
    assert _lines(sold["dairy"].id)[0] == []


def test_substituted_loose_units_move_to_the_substitutes_producer(db, sold):
    report = report_shortage_by_staff(sold["loose"], sold["cheese"], 2, "", by=sold["staff"])
    substitute(report, sold["gouda"], by=sold["staff"])
    db.session.flush()

    linde_lines, linde = _lines(sold["linde"].id)
    dairy_lines, dairy = _lines(sold["dairy"].id)

    assert linde_lines == [("Hoevekaas", 6, 5, 5552 - 900)]
    assert linde.total_cents == 4652
    assert dairy_lines == [("Oude gouda", 6, 2, 1000)]
    assert (dairy.total_cents, dairy.order_count) == (1000, 1)
    assert dairy.vat_lines == [{"rate": 6, "gross_cents": 1000, "vat_cents": 57, "base_cents": 943}]


def test_substituted_component_with_a_21_percent_product(db, sold):
    report = report_shortage_by_staff(sold["package_line"], sold["cheese"], 3, "", by=sold["staff"])
    substitute(report, sold["jenever"], by=sold["staff"])
    db.session.flush()

    assert _lines(sold["linde"].id)[0] == [("Hoevekaas", 6, 4, 5552 - 3152)]
    dairy_lines, dairy = _lines(sold["dairy"].id)
    assert dairy_lines == [("Graanjenever", 21, 3, 7500)]
    assert dairy.vat_lines == [{"rate": 21, "gross_cents": 7500, "vat_cents": 1302, "base_cents": 6198}]


def test_a_shortage_credit_comes_off_the_producer_that_could_not_deliver(db, sold):
    jam_producer = next(c.producer_id for c in sold["package_line"].components if c.product_id != sold["cheese"].id)
    before = _lines(jam_producer)[0]
    report = report_shortage_by_staff(sold["package_line"], sold["cheese"], 1, "", by=sold["staff"])

    note = _refund_missing(report, sold["staff"])

    assert (note.total_cents, {v["rate"]: v["gross_cents"] for v in note.vat_lines}) == (1051, {6: 1051})
    linde_lines, linde = _lines(sold["linde"].id)
    assert linde_lines == [("Hoevekaas", 6, 6, 5552 - 1051)]
    assert linde.credit_notes == [note.number]
    assert _lines(jam_producer)[0] == before  # the jam in the same packages is not touched
    assert _lines(sold["dairy"].id)[0] == []


def test_a_shortage_refund_the_provider_has_not_made_changes_no_statement(db, sold):
    report = report_shortage_by_staff(sold["package_line"], sold["cheese"], 1, "", by=sold["staff"])
    refund_missing(report, by=sold["staff"])
    db.session.flush()

    lines, statement = _lines(sold["linde"].id)
    assert lines == [("Hoevekaas", 6, 7, 5552)]
    assert statement.credit_notes == []


def test_collect_statements_after_a_substitution_and_a_refund(db, sold):
    first = report_shortage_by_staff(sold["loose"], sold["cheese"], 1, "", by=sold["staff"])
    substitute(first, sold["gouda"], by=sold["staff"])
    second = report_shortage_by_staff(sold["package_line"], sold["cheese"], 2, "", by=sold["staff"])
    _refund_missing(second, sold["staff"])
    today = shop_today()

    statements = collect_statements(today, today)

    linde, dairy = statements[sold["linde"].id], statements[sold["dairy"].id]
    assert [(line.units, line.amount_cents) for line in linde.lines] == [(7 - 1 - 2, 5552 - 450 - 2101)]
    assert [(line.name, line.units, line.amount_cents) for line in dairy.lines] == [("Oude gouda", 1, 500)]
    assert sum(s.total_cents for s in statements.values()) == (
        sold["order"].total_cents - sold["order"].refunded_cents + 500 - 450)


def test_an_open_report_changes_no_statement(db, sold):
    report_shortage_by_staff(sold["loose"], sold["cheese"], 2, "", by=sold["staff"])
    db.session.flush()
    assert _lines(sold["linde"].id)[0] == [("Hoevekaas", 6, 7, 5552)]
