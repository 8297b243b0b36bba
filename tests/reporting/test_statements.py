"""The producer's statement per period, with exact numbers: the invoices of the period minus its credit notes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from shop.extensions import db as _db
from shop.invoicing.models import CreditNote
from shop.orders.lifecycle import transition
from shop.orders.models import OrderStatus
from shop.reporting.statement_pdf import render_statement_pdf
from shop.reporting.statements import build_statement, collect_statements, last_month, month_periods
from tests.factories import (
    make_order,
    make_order_paid_at,
    make_package,
    make_producer,
    make_product,
    make_refund,
    make_vat_category,
)
from tests.helpers import pdf_rows

OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))


@pytest.fixture
def farm(db):
    producer = make_producer("Hoeve De Linde")
    cheese = make_product("Hoevekaas", producer=producer, price_cents=450, stock=100)
    gin = make_product("Hoevegin", producer=producer, price_cents=3000, stock=100,
                       vat=make_vat_category("alcohol", 21), alcohol_pct=40.0)
    jam = make_product("Aardbeienconfituur", producer=make_producer("Bakkerij Baert"), price_cents=600, stock=100)
    package = make_package([(cheese, 2), (jam, 1)], price_cents=3500)
    return producer, cheese, gin, jam, package


def _lines(statement) -> list[tuple[str, int, int, int]]:
    return [(line.name, line.vat_rate, line.units, line.amount_cents) for line in statement.lines]


def _note_numbers(order) -> list[str]:
    return list(_db.session.scalars(select(CreditNote.number).where(CreditNote.order_id == order.id)
                                    .order_by(CreditNote.id)))


def test_statement_counts_loose_lines_and_package_shares(db, farm):
    producer, cheese, gin, jam, package = farm
    make_order_paid_at((cheese, 3), (gin, 1), at=datetime(2026, 11, 5, 10, tzinfo=UTC))
    make_order_paid_at((package, 2), at=datetime(2026, 11, 30, 22, 30, tzinfo=UTC))  # 23:30 in Ghent: November
    make_order_paid_at((cheese, 10), at=datetime(2026, 11, 30, 23, 30, tzinfo=UTC))  # 1 December in Ghent
    cancelled = make_order_paid_at((cheese, 7), at=datetime(2026, 11, 6, tzinfo=UTC))
    transition(cancelled, OrderStatus.CANCELLED)
    make_refund(cancelled, cancelled.total_cents, at=datetime(2026, 11, 7, tzinfo=UTC), reason="Geannuleerd")
    make_order((cheese, 4))  # never paid
    db.session.flush()

    statement = build_statement(producer.id, *NOVEMBER)

    # Package: list prices 2 x 450 = 900 and 600 of 1500; cheese's share of 3500 = 2100 per package. The
    # cancelled order is invoiced and credited in full in November: it leaves no trace.
    assert _lines(statement) == [("Hoevegin", 21, 1, 3000), ("Hoevekaas", 6, 7, 1350 + 4200)]
    assert statement.total_cents == 8550
    assert statement.order_count == 2
    assert statement.vat_lines == [
        {"rate": 6, "gross_cents": 5550, "vat_cents": 314, "base_cents": 5236},
        {"rate": 21, "gross_cents": 3000, "vat_cents": 521, "base_cents": 2479},
    ]
    assert statement.credit_notes == _note_numbers(cancelled)


def test_a_full_credit_in_a_later_period_removes_the_order_there_and_leaves_the_earlier_statement(db, farm):
    producer, cheese, *_ = farm
    order = make_order_paid_at((cheese, 2), at=datetime(2026, 10, 20, 9, tzinfo=UTC))
    make_refund(order, order.total_cents, at=datetime(2026, 11, 5, 9, tzinfo=UTC), reason="Geannuleerd")

    october = build_statement(producer.id, *OCTOBER)
    november = build_statement(producer.id, *NOVEMBER)

    assert (_lines(october), october.total_cents, october.order_count) == ([("Hoevekaas", 6, 2, 900)], 900, 1)
    assert (_lines(november), november.total_cents, november.order_count) == ([("Hoevekaas", 6, -2, -900)], -900, 0)
    assert november.credit_notes == _note_numbers(order)
    assert november.vat_lines == [{"rate": 6, "gross_cents": -900, "vat_cents": -51, "base_cents": -849}]


def test_a_partial_credit_is_spread_over_the_orders_producers_by_their_share_at_each_rate(db, farm):
    linde, cheese, gin, jam, _package = farm
    # Linde: 2 cheeses 900 (6 %) and a gin 3000 (21 %); Baert: a jam 600 (6 %). Invoice: 6 %: 1500, 21 %: 3000.
    order = make_order_paid_at((cheese, 2), (jam, 1), (gin, 1), at=datetime(2026, 11, 5, 9, tzinfo=UTC))
    make_refund(order, 1000, at=datetime(2026, 11, 6, 9, tzinfo=UTC), reason="Doos beschadigd")

    statements = collect_statements(*NOVEMBER)

    # The credit note: 1000 over 1500 : 3000 -> 333 at 6 %, 667 at 21 %. At 6 %: 333 over Linde 900 : Baert 600
    # -> 199.8 / 133.2 -> 200 / 133 (largest remainder); at 21 % Linde alone.
    [note] = _db.session.scalars(select(CreditNote).where(CreditNote.order_id == order.id)).all()
    assert {line["rate"]: line["gross_cents"] for line in note.vat_lines} == {6: 333, 21: 667}
    linde_statement, baert_statement = statements[linde.id], statements[jam.producer_id]
    assert _lines(linde_statement) == [("Hoevegin", 21, 1, 3000 - 667), ("Hoevekaas", 6, 2, 900 - 200)]
    assert _lines(baert_statement) == [("Aardbeienconfituur", 6, 1, 600 - 133)]
    assert linde_statement.credit_notes == baert_statement.credit_notes == [note.number]
    assert (linde_statement.order_count, baert_statement.order_count) == (1, 1)
    # Without a delivery fee the producers bear the whole credit: invoice minus credit note, to the cent.
    assert sum(s.total_cents for s in statements.values()) == order.total_cents - note.total_cents


def test_partial_credits_and_then_the_rest_bring_every_producer_to_zero(db, farm):
    linde, cheese, gin, jam, _package = farm
    order = make_order_paid_at((cheese, 3), (jam, 2), (gin, 1), at=datetime(2026, 11, 5, 9, tzinfo=UTC))
    make_refund(order, 777, at=datetime(2026, 11, 6, 9, tzinfo=UTC), reason="Gebaar")
    make_refund(order, 1, at=datetime(2026, 11, 7, 9, tzinfo=UTC), reason="Nog een cent")
    make_refund(order, order.total_cents - 778, at=datetime(2026, 11, 8, 9, tzinfo=UTC), reason="De rest")

    statements = collect_statements(*NOVEMBER)

    for producer_id in (linde.id, jam.producer_id):
        assert producer_id not in statements or (statements[producer_id].lines, statements[producer_id].total_cents,
                                                 statements[producer_id].order_count) == ([], 0, 0)


def test_a_partial_credit_in_the_next_period_comes_off_that_periods_statement(db, farm):
    linde, cheese, gin, jam, _package = farm
    order = make_order_paid_at((cheese, 2), (gin, 1), at=datetime(2026, 10, 20, 9, tzinfo=UTC))
    make_refund(order, 390, at=datetime(2026, 11, 3, 9, tzinfo=UTC), reason="Te laat")

    october = build_statement(linde.id, *OCTOBER)
    november = build_statement(linde.id, *NOVEMBER)

    # 390 over 900 : 3000 -> 90 / 300; Linde holds both rates alone.
    assert october.total_cents == 3900
    assert _lines(november) == [("Hoevegin", 21, 0, -300), ("Hoevekaas", 6, 0, -90)]
    assert (november.total_cents, november.order_count) == (-390, 0)


def test_other_producers_sales_are_not_in_my_statement(db, farm):
    producer, cheese, gin, jam, package = farm
    make_order_paid_at((jam, 5), at=datetime(2026, 11, 5, tzinfo=UTC))

    assert build_statement(producer.id, *NOVEMBER).lines == []
    assert build_statement(jam.producer_id, *NOVEMBER).total_cents == 3000


def test_periods():
    assert last_month(date(2026, 12, 15)) == (date(2026, 11, 1), date(2026, 11, 30))
    assert last_month(date(2026, 1, 3)) == (date(2025, 12, 1), date(2025, 12, 31))
    assert month_periods(date(2026, 12, 15), 2) == [
        (date(2026, 12, 1), date(2026, 12, 15)), (date(2026, 11, 1), date(2026, 11, 30)),
        (date(2026, 10, 1), date(2026, 10, 31))]


def test_pdf_is_an_a4_pdf_with_the_figures_and_the_credit_notes(db, farm):
    producer, cheese, *_ = farm
    order = make_order_paid_at((cheese, 3), at=datetime(2026, 11, 5, tzinfo=UTC))
    make_refund(order, 450, at=datetime(2026, 11, 6, tzinfo=UTC), reason="Gebaar")
    statement = build_statement(producer.id, *NOVEMBER)

    data = render_statement_pdf(statement, producer, compress=False)

    assert data.startswith(b"%PDF-")
    assert b"/MediaBox [0 0 595.28 841.89]" in data
    rows = pdf_rows(data)
    assert ["Afrekening Hoeve De Linde"] in rows
    assert ["Hoevekaas", "3", "6 %", "€\xa09,00"] in rows
    assert [f"Verrekende creditnota's: {_note_numbers(order)[0]}."] in rows
