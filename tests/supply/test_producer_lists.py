"""The weekly order list: built per delivery week, sent once at the cut-off, resent on request."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from shop.core.clock import SHOP_TIMEZONE
from shop.orders.lifecycle import transition
from shop.orders.models import OrderStatus
from shop.outbox.models import OutboxMessage
from shop.supply.models import ProducerOrderList
from shop.supply.producer_lists import (
    OrderListError,
    build_order_list,
    list_open_demand,
    request_resend,
    send_weekly_order_lists,
)
from shop.supply.shortages import report_shortage
from tests.factories import make_order, make_package, make_producer, make_product, make_user

AFTER_CUTOFF = datetime(2026, 11, 26, 12, 30, tzinfo=SHOP_TIMEZONE)  # Thursday, cut-off 12:00
BEFORE_CUTOFF = datetime(2026, 11, 26, 11, 59, tzinfo=SHOP_TIMEZONE)
WEEK = date(2026, 11, 30)


def _paid(*items, day: date | None = date(2026, 12, 1)):
    """An order paid on Tuesday 24 November 2026 (a fixed moment: the tests never depend on today)."""
    order = make_order(*items)
    order.shipments[0].scheduled_date = day
    transition(order, OrderStatus.PAID)
    order.paid_at = datetime(2026, 11, 24, 10, tzinfo=SHOP_TIMEZONE)
    return order


@pytest.fixture
def farm(db):
    producer = make_producer("Hoeve De Linde", email="info@delinde.be")
    user = make_user("boer@delinde.be", role="producer", producer=producer, password=None)
    cheese = make_product("Hoevekaas", producer=producer, price_cents=450, stock=50, unit="250 g")
    butter = make_product("Boerenboter", producer=producer, price_cents=300, stock=50, unit="250 g")
    jam = make_product("Aardbeienconfituur", price_cents=600, stock=50)  # another producer
    package = make_package([(cheese, 2), (jam, 1)], price_cents=3500)
    db.session.flush()
    return producer, user, cheese, butter, jam, package


def _mails():
    from shop.extensions import db

    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "producer_order_list").order_by(OutboxMessage.id)
    ).all()


def test_open_demand_counts_loose_lines_and_package_components(db, farm):
    producer, user, cheese, butter, jam, package = farm
    order = _paid((cheese, 3), (package, 2))
    make_order((butter, 1))  # pending payment: not open

    demand = list_open_demand(producer.id)

    assert [(d.order_number, d.name, d.package_name, d.quantity) for d in demand] == [
        (order.number, "Hoevekaas", None, 3),
        (order.number, "Hoevekaas", package.name, 4),
    ]


def test_build_order_list_groups_per_product_for_the_delivery_week(db, farm):
    producer, user, cheese, butter, jam, package = farm
    first = _paid((cheese, 3), (butter, 1), day=date(2026, 12, 1))
    second = _paid((package, 2), day=date(2026, 12, 4))
    _paid((butter, 5), day=date(2026, 12, 8))  # the week after: not on this list

    lines = build_order_list(producer, WEEK)

    assert lines == [
        {"product_id": butter.id, "name": "Boerenboter", "unit": "250 g", "quantity": 1, "days": ["2026-12-01"],
         "orders": [first.number]},
        {"product_id": cheese.id, "name": "Hoevekaas", "unit": "250 g", "quantity": 7,
         "days": ["2026-12-01", "2026-12-04"], "orders": [first.number, second.number]},
    ]


def test_reported_shortage_is_left_out_of_the_list(db, farm):
    producer, user, cheese, butter, jam, package = farm
    order = _paid((cheese, 3))
    report_shortage(order.lines[0], cheese, 2, "hagel", by=user)

    assert build_order_list(producer, WEEK)[0]["quantity"] == 1


def test_nothing_is_sent_before_the_cutoff(db, farm):
    producer, user, cheese, *_ = farm
    _paid((cheese, 3))

    assert send_weekly_order_lists(BEFORE_CUTOFF) == 0
    assert _mails() == []


def test_list_is_sent_once_per_producer_and_week(db, farm):
    producer, user, cheese, *_ = farm
    _paid((cheese, 3))

    assert send_weekly_order_lists(AFTER_CUTOFF) == 1
    assert send_weekly_order_lists(datetime(2026, 11, 26, 13, 30, tzinfo=SHOP_TIMEZONE)) == 0

    row = db.session.scalars(select(ProducerOrderList)).one()
    assert (row.producer_id, row.week_start, row.deliver_by, row.times_sent) == (
        producer.id, WEEK, date(2026, 11, 30), 1)
    assert row.sent_at is not None
    assert row.lines[0]["quantity"] == 3
    mails = _mails()
    assert [m.to_address for m in mails] == ["boer@delinde.be"]
    assert "3 × Hoevekaas (250 g)" in mails[0].body_text
    assert "maandag 30 november" in mails[0].body_text
    assert "dinsdag 1 december" in mails[0].body_text
    assert mails[0].subject == "Leverlijst week van 30/11: Hoeve De Linde"


def test_producer_email_is_used_when_it_has_no_users(db):
    producer = make_producer("Hoeve Zonder", email="hoeve@zonder.be")
    product = make_product(producer=producer, stock=10)
    _paid((product, 1))

    assert send_weekly_order_lists(AFTER_CUTOFF) == 1
    assert [m.to_address for m in _mails()] == ["hoeve@zonder.be"]


def test_producer_without_anything_to_deliver_gets_no_list(db, farm):
    assert send_weekly_order_lists(AFTER_CUTOFF) == 0
    assert db.session.scalar(select(func.count(ProducerOrderList.id))) == 0


def test_resend_queues_the_list_again_with_a_new_key(db, farm):
    producer, user, cheese, *_ = farm
    _paid((cheese, 3))
    send_weekly_order_lists(AFTER_CUTOFF)
    row = db.session.scalars(select(ProducerOrderList)).one()

    assert request_resend(row, by=user) == 1
    assert request_resend(row, by=user) == 1

    assert row.times_sent == 3
    assert row.resend_requested_at is not None
    assert len(_mails()) == 3
    assert len({m.dedupe_key for m in _mails()}) == 3


def test_a_list_never_sent_cannot_be_resent(db, farm):
    producer, user, *_ = farm
    row = ProducerOrderList(producer_id=producer.id, week_start=WEEK, deliver_by=WEEK, lines=[])
    db.session.add(row)
    db.session.flush()

    with pytest.raises(OrderListError):
        request_resend(row, by=user)


def test_cli_sends_the_lists_once(app, db, farm):
    producer, user, cheese, *_ = farm
    _paid((cheese, 3))
    db.session.commit()
    runner = app.test_cli_runner()

    before = runner.invoke(args=["send-order-lists", "--now", "2026-11-26T11:00"])
    first = runner.invoke(args=["send-order-lists", "--now", "2026-11-26T12:05"])
    second = runner.invoke(args=["send-order-lists", "--now", "2026-11-26T13:05"])
    bad = runner.invoke(args=["send-order-lists", "--now", "donderdag"])

    assert (before.output, first.output, second.output) == (
        "order lists sent: 0\n", "order lists sent: 1\n", "order lists sent: 0\n")
    assert bad.exit_code == 2
    assert len(_mails()) == 1


def _paid_at(order, at: datetime):
    order.paid_at = at
    return order


def test_every_open_line_lands_on_exactly_one_list(db, farm):
    producer, user, cheese, butter, jam, package = farm
    # Paid after last week's cut-off (19 Nov 12:00), for a day this week: only this list can hold it.
    late = _paid_at(_paid((butter, 2), day=date(2026, 11, 28)), datetime(2026, 11, 24, 9, tzinfo=SHOP_TIMEZONE))
    # Paid before last week's cut-off, for a day this week: it was on last week's list.
    _paid_at(_paid((butter, 4), day=date(2026, 11, 27)), datetime(2026, 11, 18, 9, tzinfo=SHOP_TIMEZONE))
    # Paid after this cut-off, for a day in the delivery week: waits for the next list.
    after = _paid_at(_paid((cheese, 1), day=date(2026, 12, 2)), datetime(2026, 11, 26, 12, 1, tzinfo=SHOP_TIMEZONE))
    # Without a day, paid this week: on this list.
    no_day = _paid_at(_paid((cheese, 5), day=None), datetime(2026, 11, 25, 9, tzinfo=SHOP_TIMEZONE))

    this_week = build_order_list(producer, WEEK)
    next_week = build_order_list(producer, date(2026, 12, 7))

    assert [(line["name"], line["quantity"], line["orders"]) for line in this_week] == [
        ("Boerenboter", 2, [late.number]), ("Hoevekaas", 5, [no_day.number])]
    assert [(line["name"], line["quantity"], line["orders"]) for line in next_week] == [
        ("Hoevekaas", 1, [after.number])]
