"""What is still needed from each producer for open orders: one rule (shop.supply.needs), the same figures in
every reader — the portal's demand and week page, the weekly order list, the purchase lists and the pick list.

The class of defect: each reader had its own copy of the rule, and only some subtracted shortages or asked a
substitute from its own producer, so a producer's dashboard, its weekly mail and the shop's purchase list and
pick list gave different figures for the same orders.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

import pytest
from sqlalchemy import select

from shop.core.clock import SHOP_TIMEZONE
from shop.fulfilment.documents import build_pick_list
from shop.orders.queries import list_orders_for_day
from shop.supply.demand import get_demand
from shop.supply.models import ProducerOrderList
from shop.supply.needs import list_open_needs
from shop.supply.producer_lists import build_order_list, demand_per_product, list_open_demand, send_weekly_order_lists
from shop.supply.purchase_lists import build_purchase_lists
from shop.supply.shortage_resolution import refund_missing, substitute
from shop.supply.shortages import report_shortage
from tests.factories import make_package, make_paid_order, make_producer, make_product, make_staff, make_user

DAY = date(2026, 12, 1)  # a Tuesday in the delivery week of 30 November
WEEK = date(2026, 11, 30)
PAID_AT = datetime(2026, 11, 24, 10, tzinfo=SHOP_TIMEZONE)  # before that list's cut-off (Thursday 26, 12:00)
AFTER_CUTOFF = datetime(2026, 11, 26, 12, 30, tzinfo=SHOP_TIMEZONE)


@pytest.fixture
def scenario(db):
    """One paid order: 2 x Kerstpakket (2 Hoevekaas + 1 Graanjenever each), 3 Boerenboter and 4 Confituur loose.

    Hoeve Aalter reports three shortages: 1 Hoevekaas of the packages, substituted by 1 Brugse kaas of
    Kaasmakerij Brugge; 1 Boerenboter, refunded; 2 Confituur, open (not handled yet).
    """
    aalter = make_producer("Hoeve Aalter", email="info@hoeve-aalter.be")
    baal = make_producer("Brouwerij Baal", email="info@baal.be")
    brugge = make_producer("Kaasmakerij Brugge", email="info@kaas-brugge.be")
    farmer = make_user("boer@hoeve-aalter.be", role="producer", producer=aalter, password=None)
    staff = make_staff()
    kaas = make_product("Hoevekaas", producer=aalter, price_cents=450, stock=50, unit="500 g")
    boter = make_product("Boerenboter", producer=aalter, price_cents=300, stock=50, unit="250 g")
    confituur = make_product("Confituur", producer=aalter, price_cents=600, stock=50, unit="350 g")
    jenever = make_product("Graanjenever", producer=baal, price_cents=2000, stock=50, unit="50 cl")
    brugse = make_product("Brugse kaas", producer=brugge, price_cents=500, stock=50, unit="500 g")
    package = make_package([(kaas, 2), (jenever, 1)], name="Kerstpakket", price_cents=5000)
    order = make_paid_order((package, 2), (boter, 3), (confituur, 4))
    order.shipment.scheduled_date = DAY
    order.paid_at = PAID_AT
    package_line, boter_line, confituur_line = order.lines

    substitute(report_shortage(package_line, kaas, 1, "", by=farmer), brugse, by=staff)
    refund_missing(report_shortage(boter_line, boter, 1, "", by=farmer), by=staff)
    report_shortage(confituur_line, confituur, 2, "hagel", by=farmer)
    db.session.commit()
    return dict(aalter=aalter, baal=baal, brugge=brugge, order=order)


# Per producer, per product: units still needed. Hoevekaas 4 - 1 substituted; Boerenboter 3 - 1 refunded;
# Confituur 4 - 2 open (the farm said it cannot deliver them; staff see them as an open shortage); the
# substitute is needed from its own producer.
EXPECTED = {
    "Hoeve Aalter": {"Boerenboter": 2, "Confituur": 2, "Hoevekaas": 3},
    "Brouwerij Baal": {"Graanjenever": 2},
    "Kaasmakerij Brugge": {"Brugse kaas": 1},
}


def _portal_dashboard(producer) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for day in get_demand(producer.id):
        for item in day.items:
            assert item.quantity == item.loose + item.in_packages
            totals[item.name] += item.quantity
    return dict(totals)


def _portal_week_page(producer) -> dict[str, int]:
    items = list_open_demand(producer.id)
    names = {item.product_id: item.product_name for item in items}
    return {names[product_id]: units for product_id, units in demand_per_product(items).items() if units}


def _weekly_order_list(producer) -> dict[str, int]:
    return {line["name"]: line["quantity"] for line in build_order_list(producer, WEEK)}


def _purchase_list(producer) -> dict[str, int]:
    lists = {p.producer.id: p for p in build_purchase_lists(DAY, DAY)}
    return {line.name: line.quantity for line in lists[producer.id].lines if line.quantity}


def _pick_list(producer) -> dict[str, int]:
    pick = build_pick_list(list_orders_for_day(DAY))
    rows = next(p for p in pick.producers if p.producer_id == producer.id)
    return {product.name: product.total for product in rows.products if product.total}


def _needs(producer) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for need in list_open_needs(producer.id):
        if need.to_pick:
            totals[need.product.name] += need.to_pick
    return dict(totals)


READERS = [_needs, _portal_dashboard, _portal_week_page, _weekly_order_list, _purchase_list, _pick_list]


@pytest.mark.parametrize("reader", READERS, ids=lambda reader: reader.__name__.strip("_"))
def test_every_reader_gives_the_same_figures_per_producer(scenario, reader):
    figures = {scenario[key].name: reader(scenario[key]) for key in ("aalter", "baal", "brugge")}

    assert figures == EXPECTED


def test_the_dashboard_splits_loose_and_package_units_after_the_shortages(scenario):
    days = get_demand(scenario["aalter"].id) + get_demand(scenario["brugge"].id)

    assert [(d.day, [(i.name, i.loose, i.in_packages) for i in d.items]) for d in days] == [
        (DAY, [("Boerenboter", 2, 0), ("Confituur", 2, 0), ("Hoevekaas", 0, 3)]),
        (DAY, [("Brugse kaas", 0, 1)]),  # it went into a package
    ]


def test_the_week_page_shows_what_was_reported_short_and_the_substitute_line(scenario):
    aalter = [(i.name, i.package_name, i.quantity, i.short, i.to_deliver, i.is_substitute)
              for i in list_open_demand(scenario["aalter"].id)]
    brugge = [(i.name, i.package_name, i.quantity, i.short, i.to_deliver, i.is_substitute)
              for i in list_open_demand(scenario["brugge"].id)]

    assert sorted(aalter) == [
        ("Boerenboter", None, 3, 1, 2, False),
        ("Confituur", None, 4, 2, 2, False),
        ("Hoevekaas", "Kerstpakket", 4, 1, 3, False),
    ]
    assert brugge == [("Brugse kaas", "Kerstpakket", 1, 0, 1, True)]


def test_the_purchase_list_still_shows_the_open_shortage(scenario):
    lists = {p.producer.id: p for p in build_purchase_lists(DAY, DAY)}

    assert [(line.name, line.quantity, line.open_short) for line in lists[scenario["aalter"].id].lines] == [
        ("Boerenboter", 2, 0), ("Confituur", 2, 2), ("Hoevekaas", 3, 0)]


def test_the_substitutes_producer_gets_its_weekly_order_list(scenario, db):
    assert send_weekly_order_lists(AFTER_CUTOFF) == 3

    sent = {row.producer_id: [(line["name"], line["quantity"]) for line in row.lines]
            for row in db.session.scalars(select(ProducerOrderList))}
    assert sent == {
        scenario["aalter"].id: [("Boerenboter", 2), ("Confituur", 2), ("Hoevekaas", 3)],
        scenario["baal"].id: [("Graanjenever", 2)],
        scenario["brugge"].id: [("Brugse kaas", 1)],
    }
