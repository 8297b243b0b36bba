"""The producer's statement per period, with exact numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from shop.orders.lifecycle import transition
from shop.orders.models import OrderStatus
from shop.reporting.statement_pdf import render_statement_pdf
from shop.reporting.statements import build_statement, last_month, month_periods
from tests.factories import make_order, make_package, make_producer, make_product, make_vat_category


@pytest.fixture
def farm(db):
    producer = make_producer("Hoeve De Linde")
    cheese = make_product("Hoevekaas", producer=producer, price_cents=450, stock=100)
    gin = make_product("Hoevegin", producer=producer, price_cents=3000, stock=100,
                       vat=make_vat_category("alcohol", 21), alcohol_pct=40.0)
    jam = make_product("Aardbeienconfituur", price_cents=600, stock=100)
    package = make_package([(cheese, 2), (jam, 1)], price_cents=3500)
    return producer, cheese, gin, jam, package


def _paid(*items, at: datetime):
    order = make_order(*items)
    transition(order, OrderStatus.PAID)
    order.paid_at = at
    return order


def test_statement_counts_loose_lines_and_package_shares(db, farm):
    producer, cheese, gin, jam, package = farm
    _paid((cheese, 3), (gin, 1), at=datetime(2026, 11, 5, 10, tzinfo=UTC))
    _paid((package, 2), at=datetime(2026, 11, 30, 22, 30, tzinfo=UTC))  # 23:30 in Ghent: still November
    _paid((cheese, 10), at=datetime(2026, 11, 30, 23, 30, tzinfo=UTC))  # 1 December in Ghent
    cancelled = _paid((cheese, 7), at=datetime(2026, 11, 6, tzinfo=UTC))
    transition(cancelled, OrderStatus.CANCELLED)
    make_order((cheese, 4))  # never paid
    db.session.flush()

    statement = build_statement(producer.id, date(2026, 11, 1), date(2026, 11, 30))

    # Package: list prices 2 x 450 = 900 and 600 of 1500; cheese's share of 3500 = 2100 per package.
    assert [(line.name, line.vat_rate, line.units, line.amount_cents) for line in statement.lines] == [
        ("Hoevegin", 21, 1, 3000),
        ("Hoevekaas", 6, 7, 1350 + 4200),
    ]
    assert statement.total_cents == 8550
    assert statement.order_count == 2
    assert statement.vat_lines == [
        {"rate": 6, "gross_cents": 5550, "vat_cents": 314, "base_cents": 5236},
        {"rate": 21, "gross_cents": 3000, "vat_cents": 521, "base_cents": 2479},
    ]


def test_fully_refunded_order_is_not_counted(db, farm):
    producer, cheese, *_ = farm
    order = _paid((cheese, 2), at=datetime(2026, 11, 5, tzinfo=UTC))
    order.refunded_cents = order.total_cents
    db.session.flush()

    statement = build_statement(producer.id, date(2026, 11, 1), date(2026, 11, 30))

    assert (statement.lines, statement.total_cents) == ([], 0)


def test_partially_refunded_order_is_counted_and_named(db, farm):
    producer, cheese, *_ = farm
    order = _paid((cheese, 2), at=datetime(2026, 11, 5, tzinfo=UTC))
    order.refunded_cents = 100
    db.session.flush()

    statement = build_statement(producer.id, date(2026, 11, 1), date(2026, 11, 30))

    assert (statement.total_cents, statement.partially_refunded) == (900, [order.number])


def test_other_producers_sales_are_not_in_my_statement(db, farm):
    producer, cheese, gin, jam, package = farm
    _paid((jam, 5), at=datetime(2026, 11, 5, tzinfo=UTC))

    assert build_statement(producer.id, date(2026, 11, 1), date(2026, 11, 30)).lines == []
    assert build_statement(jam.producer_id, date(2026, 11, 1), date(2026, 11, 30)).total_cents == 3000


def test_periods():
    assert last_month(date(2026, 12, 15)) == (date(2026, 11, 1), date(2026, 11, 30))
    assert last_month(date(2026, 1, 3)) == (date(2025, 12, 1), date(2025, 12, 31))
    assert month_periods(date(2026, 12, 15), 2) == [
        (date(2026, 12, 1), date(2026, 12, 15)), (date(2026, 11, 1), date(2026, 11, 30)),
        (date(2026, 10, 1), date(2026, 10, 31))]


def test_pdf_is_an_a4_pdf(db, farm):
    producer, cheese, *_ = farm
    _paid((cheese, 3), at=datetime(2026, 11, 5, tzinfo=UTC))
    statement = build_statement(producer.id, date(2026, 11, 1), date(2026, 11, 30))

    data = render_statement_pdf(statement, producer, compress=False)

    assert data.startswith(b"%PDF-")
    assert b"/MediaBox [0 0 595.28 841.89]" in data
    assert "Afrekening Hoeve De Linde".encode("utf-16-be") in data or b"Afrekening" in data
