"""The back office dashboard's reads and the sales chart's geometry, with exact values and query counts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from shop.catalog.models import ProductStatus
from shop.core.clock import shop_today
from shop.orders.lifecycle import transition
from shop.orders.models import OrderStatus
from shop.reporting.dashboard import (
    count_orders_by_status,
    count_queues,
    daily_sales,
    get_dashboard,
    list_low_stock_products,
    list_orders_needing_attention,
    list_packages_running_out,
    list_todays_shipments,
)
from shop.reporting.sales_chart import build_sales_chart, nice_step
from shop.supply.models import ShortageReport, ShortageStatus
from tests.factories import (
    make_order,
    make_order_data,
    make_package,
    make_paid_order,
    make_producer,
    make_product,
    make_refund,
)
from tests.helpers import count_queries


def _scheduled(order, day):
    order.shipment.scheduled_date = day
    return order


def test_orders_are_counted_per_status_in_lifecycle_order(db):
    product = make_product(stock=50)
    make_order((product, 1))
    make_paid_order((product, 1))
    make_paid_order((product, 1))
    transition(make_paid_order((product, 1)), OrderStatus.CANCELLED)
    db.session.flush()

    assert count_orders_by_status() == [
        (OrderStatus.QUOTED, 0), (OrderStatus.PENDING_PAYMENT, 1), (OrderStatus.PAID, 2), (OrderStatus.IN_PREPARATION, 0),
        (OrderStatus.READY_FOR_PICKUP, 0), (OrderStatus.SHIPPED, 0), (OrderStatus.COMPLETED, 0),
        (OrderStatus.CANCELLED, 1),
    ]


def test_orders_needing_attention_are_listed_oldest_first(db):
    product = make_product(stock=50)
    first, _calm, second = make_paid_order((product, 1)), make_paid_order((product, 1)), make_paid_order((product, 1))
    second.needs_attention = first.needs_attention = True
    db.session.flush()

    assert list_orders_needing_attention() == [first, second]


def test_todays_pickups_and_deliveries_are_the_paid_open_orders_scheduled_today(db):
    today = shop_today()
    product = make_product(stock=50)
    pickup = _scheduled(make_paid_order((product, 1)), today)
    delivery = _scheduled(make_paid_order((product, 1), data=make_order_data("delivery")), today)
    transition(delivery, OrderStatus.IN_PREPARATION)
    _scheduled(make_paid_order((product, 1)), today + timedelta(days=1))  # tomorrow
    _scheduled(make_order((product, 1)), today)  # not paid
    cancelled = _scheduled(make_paid_order((product, 1)), today)
    transition(cancelled, OrderStatus.CANCELLED)
    db.session.flush()

    pickups, deliveries = list_todays_shipments(today)

    assert (pickups, deliveries) == ([pickup], [delivery])


def test_low_stock_lists_published_products_in_active_packages_first(db):
    producer = make_producer("Hoeve Laag")
    loose = make_product("Appels", producer=producer, stock=1)
    in_package = make_product("Peren", producer=producer, stock=4)
    in_inactive_package = make_product("Kersen", producer=producer, stock=0)
    make_product("Pruimen", producer=producer, stock=6)  # enough
    make_product("Druiven", producer=producer, stock=2, status=ProductStatus.HIDDEN)  # not in the shop
    make_package([(in_package, 1)], active=True)
    make_package([(in_inactive_package, 1)], active=False)
    db.session.flush()

    rows = list_low_stock_products()

    assert [(row.product, row.in_active_package) for row in rows] == [
        (in_package, True), (in_inactive_package, False), (loose, False)]


def test_packages_that_can_be_sold_three_times_or_fewer_are_running_out(db):
    cheese = make_product("Kaas", stock=6)
    jam = make_product("Confituur", stock=40)
    gone = make_package([(cheese, 7)], name="Groot kaaspakket")  # 0
    two = make_package([(cheese, 3), (jam, 1)], name="Kaas en confituur")  # 2
    three = make_package([(cheese, 2)], name="Kaasduo")  # 3
    make_package([(jam, 10)], name="Confituurpakket")  # 4: enough
    make_package([(cheese, 7)], name="Oud pakket", active=False)  # not for sale anyway
    db.session.flush()

    rows = list_packages_running_out()

    assert [(row.package, row.available) for row in rows] == [(gone, 0), (two, 2), (three, 3)]


def test_queues_count_products_to_review_open_shortages_and_low_stock(db):
    product = make_product(stock=3)
    make_product(status=ProductStatus.PENDING_REVIEW)
    make_product(status=ProductStatus.PENDING_REVIEW)
    order = make_paid_order((product, 1))
    for status in (ShortageStatus.OPEN, ShortageStatus.WITHDRAWN):
        db.session.add(ShortageReport(order_line_id=order.lines[0].id, product_id=product.id,
                                      producer_id=product.producer_id, quantity=1, status=status))
    db.session.flush()

    assert count_queues() == (2, 1, 1)


def _paid_at(order, moment):
    order.paid_at = moment
    return order


def test_daily_sales_group_paid_orders_by_day_in_shop_time(db):
    product = make_product(price_cents=1000, stock=100)
    _paid_at(make_paid_order((product, 1)), datetime(2026, 10, 31, 23, 30, tzinfo=UTC))  # 1 Nov 00:30 in Ghent
    _paid_at(make_paid_order((product, 2)), datetime(2026, 10, 31, 22, 30, tzinfo=UTC))  # 31 Oct: too early
    _paid_at(make_paid_order((product, 3)), datetime(2026, 11, 30, 22, 30, tzinfo=UTC))  # 30 Nov 23:30
    _paid_at(make_paid_order((product, 4)), datetime(2026, 11, 30, 23, 30, tzinfo=UTC))  # 1 Dec: too late
    partly = _paid_at(make_paid_order((product, 5)), datetime(2026, 11, 30, 8, tzinfo=UTC))
    make_refund(partly, 1500, at=datetime(2026, 11, 30, 9, tzinfo=UTC), reason="Terugbetaald")
    cancelled = _paid_at(make_paid_order((product, 6)), datetime(2026, 11, 15, 8, tzinfo=UTC))
    transition(cancelled, OrderStatus.CANCELLED)
    _paid_at(make_order((product, 7)), None)  # never paid
    db.session.flush()

    days = daily_sales(date(2026, 11, 30))

    assert len(days) == 30
    assert days[0] == (date(2026, 11, 1), 1000, 1)
    assert days[-1] == (date(2026, 11, 30), 3000 + 5000 - 1500, 2)
    assert [day for day, cents, _ in days if cents] == [date(2026, 11, 1), date(2026, 11, 30)]


@pytest.mark.parametrize("max_cents, step", [(0, 100), (1, 100), (400, 100), (401, 200), (4500, 2000),
                                             (10000, 2500), (10001, 5000), (1_999_999, 500_000)])
def test_grid_steps_are_round_amounts(max_cents, step):
    assert nice_step(max_cents) == step


def test_chart_draws_one_bar_per_day_scaled_to_the_top_grid_line():
    first = date(2026, 11, 1)
    days = [(first + timedelta(days=i), 0, 0) for i in range(30)]
    days[3] = (days[3][0], 8000, 2)
    days[29] = (days[29][0], 2000, 1)

    chart = build_sales_chart(days)

    assert len(chart.bars) == 30
    assert [tick.cents for tick in chart.ticks] == [0, 2000, 4000, 6000, 8000]
    assert (chart.bars[3].y, chart.bars[3].height) == (chart.plot_top, chart.baseline - chart.plot_top)
    assert chart.bars[29].height == pytest.approx((chart.baseline - chart.plot_top) / 4, abs=0.1)
    assert chart.bars[0].height == 0
    assert [bar.day.day for bar in chart.bars if bar.labelled] == [2, 9, 16, 23, 30]
    assert chart.bars[1].x - chart.bars[0].x == pytest.approx((chart.plot_right - chart.plot_left) / 30, abs=0.1)
    assert (chart.total_cents, chart.total_orders, chart.best.day) == (10000, 3, date(2026, 11, 4))


def _shop_with(db, n: int) -> None:
    today = shop_today()
    for i in range(n):
        product = make_product(f"Schaars {i}", stock=3)
        package = make_package([(product, 1)])
        order = _scheduled(make_paid_order((product, 1), (package, 1)), today)
        order.needs_attention = True
        db.session.add(ShortageReport(order_line_id=order.lines[0].id, product_id=product.id,
                                      producer_id=product.producer_id, quantity=1))
        make_product(f"Nieuw {i}", status=ProductStatus.PENDING_REVIEW)
    db.session.flush()


def test_dashboard_uses_eight_queries_whatever_the_shop_size(db):
    _shop_with(db, 1)
    with count_queries(db.engine) as few:
        board = get_dashboard(shop_today())
    assert (len(board.pickups), len(board.low_stock), board.review_count, board.open_shortage_count) == (1, 1, 1, 1)
    _shop_with(db, 5)
    db.session.expire_all()
    with count_queries(db.engine) as many:
        board = get_dashboard(shop_today())

    assert (len(board.pickups), len(board.low_stock), board.review_count) == (6, 6, 6)
    assert len(few) == len(many) == 8
    assert len(board.chart.bars) == 30
