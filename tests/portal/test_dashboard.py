"""The portal dashboard and its reads: demand from open orders and this month's sales (exact numbers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shop.catalog.models import ProductStatus
from shop.core.clock import shop_today
from shop.core.money import format_eur
from shop.orders.lifecycle import transition
from shop.orders.models import OrderStatus
from shop.scheduling.days import pickup_days
from shop.supply.demand import DemandItem, get_demand, get_sales_this_month, month_bounds
from tests.factories import (
    log_in_as,
    make_order,
    make_order_data,
    make_package,
    make_producer,
    make_product,
    make_user,
)
from tests.helpers import count_queries


def _paid(order, status=OrderStatus.PAID):
    transition(order, OrderStatus.PAID)
    if status == OrderStatus.IN_PREPARATION:
        transition(order, OrderStatus.IN_PREPARATION)
    return order


def _setup(db):
    """Producer A with cheese and butter; producer B with beer; a package of 2 cheese + 1 beer."""
    a = make_producer("Hoeve A")
    b = make_producer("Brouwerij B")
    kaas = make_product("Kaas", producer=a, price_cents=500, stock=100, unit="250 g")
    boter = make_product("Boter", producer=a, price_cents=300, stock=100, unit="per stuk")
    bier = make_product("Bier", producer=b, price_cents=2000, stock=100, unit="75 cl")
    pakket = make_package([(kaas, 2), (bier, 1)], price_cents=3000)
    return a, b, kaas, boter, bier, pakket


def test_demand_counts_loose_lines_and_package_components_by_day(db):
    a, b, kaas, boter, bier, pakket = _setup(db)
    day1, day2 = pickup_days()[0], pickup_days()[1]
    _paid(make_order((kaas, 3), (pakket, 2), data=make_order_data(pickup_date=day1)))
    _paid(make_order((kaas, 1), (boter, 4), data=make_order_data(pickup_date=day2)), OrderStatus.IN_PREPARATION)
    no_day = _paid(make_order((pakket, 1), data=make_order_data(pickup_date=day2)))
    no_day.shipment.scheduled_date = None
    # Not counted: pending payment, cancelled, completed-ish (ready for pickup), other producer's lines.
    make_order((kaas, 7), data=make_order_data(pickup_date=day1))
    cancelled = _paid(make_order((kaas, 11), data=make_order_data(pickup_date=day1)))
    transition(cancelled, OrderStatus.CANCELLED)
    ready = _paid(make_order((boter, 13), data=make_order_data(pickup_date=day1)), OrderStatus.IN_PREPARATION)
    transition(ready, OrderStatus.READY_FOR_PICKUP)
    db.session.commit()
    a_id = a.id

    with count_queries(db.engine) as statements:
        demand = get_demand(a_id)
    # The needs' reads (shop.supply.needs): orders, shipments, lines, components, shortage reports, products,
    # producers.
    assert len(statements) == 7

    assert [(d.day, d.items, d.total) for d in demand] == [
        (None, [DemandItem(kaas.id, "Kaas", "250 g", 2, 0, 2)], 2),
        (day1, [DemandItem(kaas.id, "Kaas", "250 g", 7, 3, 4)], 7),
        (day2, [DemandItem(boter.id, "Boter", "per stuk", 4, 4, 0), DemandItem(kaas.id, "Kaas", "250 g", 1, 1, 0)], 5),
    ]
    assert [(d.day, d.items) for d in get_demand(b.id)] == [
        (None, [DemandItem(bier.id, "Bier", "75 cl", 1, 0, 1)]),
        (day1, [DemandItem(bier.id, "Bier", "75 cl", 2, 0, 2)]),
    ]


def test_demand_uses_a_fixed_number_of_queries(db):
    a, b, kaas, boter, bier, pakket = _setup(db)
    for _ in range(6):
        _paid(make_order((kaas, 1), (pakket, 1), (boter, 1)))
    db.session.commit()
    a_id = a.id
    with count_queries(db.engine) as statements:
        demand = get_demand(a_id)
        get_sales_this_month(a_id)
    assert len(statements) == 7 + 2
    assert sum(d.total for d in demand) == 6 * (1 + 2 + 1)


def test_sales_this_month_counts_loose_lines_and_component_shares(db):
    a, b, kaas, boter, bier, pakket = _setup(db)
    order = _paid(make_order((kaas, 3), (pakket, 2)))  # 3 x 5,00 loose; 2 packages: shares 10,00 (kaas) + 20,00
    _paid(make_order((boter, 1)), OrderStatus.IN_PREPARATION)
    make_order((kaas, 9))  # not paid
    cancelled = _paid(make_order((kaas, 5)))
    transition(cancelled, OrderStatus.CANCELLED)
    last_month = _paid(make_order((boter, 6)))
    last_month.paid_at = month_bounds(shop_today())[0] - timedelta(minutes=1)
    db.session.commit()
    shares = {c.product_id: c.share_cents for line in order.lines for c in line.components}
    assert shares == {kaas.id: 1000, bier.id: 2000}

    sales = get_sales_this_month(a.id)
    assert (sales.units, sales.revenue_cents) == (3 + 2 * 2 + 1, 1500 + 2 * 1000 + 300)
    sales_b = get_sales_this_month(b.id)
    assert (sales_b.units, sales_b.revenue_cents) == (2, 4000)


def test_month_bounds_follow_belgian_time():
    start, end = month_bounds(datetime(2026, 12, 15).date())
    assert start.astimezone(UTC) == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2026, 12, 31, 23, 0, tzinfo=UTC)


def test_dashboard_shows_products_warnings_demand_and_sales(client, db):
    a, b, kaas, boter, bier, pakket = _setup(db)
    make_product("Laatste confituur", producer=a, stock=2)
    make_product("Uitverkochte paté", producer=a, stock=0)
    make_product("Nieuwe siroop", producer=a, stock=4, status=ProductStatus.PENDING_REVIEW)
    make_product("Oude worst", producer=a, stock=4, status=ProductStatus.ARCHIVED)
    make_product("Geheim van B", producer=b, stock=1)
    _paid(make_order((kaas, 3), (pakket, 2), data=make_order_data(pickup_date=pickup_days()[0])))
    user = make_user(role="producer", producer=a)
    db.session.commit()
    log_in_as(client, user)

    response = client.get("/portaal/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Laatste confituur: nog 2" in html
    assert "Uitverkochte paté" in html
    assert "Nieuwe siroop" in html
    assert "Oude worst" not in html
    assert "Geheim van B" not in html
    assert "Bier" not in html
    assert "<strong>7</strong>" in html  # 3 loose + 2 x 2 in packages
    assert f"<dd>{format_eur(3500)}</dd>" in html  # 3 x 5,00 + 2 x 10,00


def test_dashboard_and_supply_pages_use_a_fixed_number_of_queries(client, db):
    a, b, kaas, boter, bier, pakket = _setup(db)
    user = make_user(role="producer", producer=a)
    # One open order to start from: the demand loads the open orders' lines, components and shipments (and
    # their shortage reports and products) in one query each, which a database without orders never asks.
    _paid(make_order((kaas, 1), (pakket, 1), data=make_order_data(pickup_date=pickup_days()[0])))
    db.session.commit()
    log_in_as(client, user)

    def queries_per_page():
        counts = {}
        for url in ("/portaal/", "/portaal/snel", "/portaal/csv/export"):
            db.session.expire_all()  # the test client shares the test's session: start each page cold
            with count_queries(db.engine) as statements:
                assert client.get(url).status_code == 200
            counts[url] = len(statements)
        return counts

    few = queries_per_page()
    for n in range(8):
        make_product(f"Extra {n}", producer=a, stock=n)
        _paid(make_order((kaas, 1), (pakket, 1), data=make_order_data(pickup_date=pickup_days()[n % 3])))
    db.session.commit()
    assert queries_per_page() == few
