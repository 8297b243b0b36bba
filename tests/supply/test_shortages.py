"""Shortage reports on open order lines."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shop.orders.lifecycle import transition
from shop.orders.models import OrderStatus
from shop.outbox.models import OutboxMessage
from shop.supply.models import ShortageReport, ShortageStatus
from shop.supply.shortages import ShortageError, list_shortage_reports, report_shortage
from tests.factories import make_order, make_package, make_producer, make_product, make_user


@pytest.fixture
def farm(db):
    producer = make_producer("Hoeve De Linde")
    user = make_user(role="producer", producer=producer, password=None)
    cheese = make_product("Hoevekaas", producer=producer, price_cents=450, stock=50)
    jam = make_product("Aardbeienconfituur", price_cents=600, stock=50)
    package = make_package([(cheese, 2), (jam, 1)], price_cents=3500)
    order = make_order((cheese, 3), (package, 2))
    transition(order, OrderStatus.PAID)
    return user, cheese, jam, order


def test_report_on_a_loose_line(db, farm):
    user, cheese, jam, order = farm

    report = report_shortage(order.lines[0], cheese, 3, "  hagel  ", by=user)

    assert (report.quantity, report.note, report.status, report.producer_id, report.reported_by_user_id) == (
        3, "hagel", ShortageStatus.OPEN, cheese.producer_id, user.id)
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "shortage_reported")).one()
    assert mail.to_address == "info@lekkeroostvlaams.be"
    assert mail.subject == f"Tekort gemeld door Hoeve De Linde voor bestelling {order.number}"
    assert "Niet leverbaar: 3 × Hoevekaas" in mail.body_text and "hagel" in mail.body_text


def test_report_on_a_package_component_allows_up_to_components_times_packages(db, farm):
    user, cheese, jam, order = farm
    package_line = order.lines[1]

    with pytest.raises(ShortageError) as error:
        report_shortage(package_line, cheese, 5, "", by=user)
    assert str(error.value) == "Geef een aantal van 1 tot 4."

    assert report_shortage(package_line, cheese, 4, "", by=user).quantity == 4


@pytest.mark.parametrize("quantity", [0, -1, 4])
def test_quantity_outside_one_to_needed_is_refused(db, farm, quantity):
    user, cheese, jam, order = farm
    with pytest.raises(ShortageError):
        report_shortage(order.lines[0], cheese, quantity, "", by=user)
    assert db.session.scalar(select(func.count(ShortageReport.id))) == 0


def test_another_producers_product_is_refused(db, farm):
    user, cheese, jam, order = farm
    with pytest.raises(ShortageError) as error:
        report_shortage(order.lines[1], jam, 1, "", by=user)
    assert str(error.value) == "Dit product hoort niet bij je bedrijf."


def test_product_not_in_the_line_is_refused(db, farm):
    user, cheese, jam, order = farm
    other = make_product("Boter", producer=cheese.producer)
    with pytest.raises(ShortageError) as error:
        report_shortage(order.lines[0], other, 1, "", by=user)
    assert str(error.value) == "Dit product zit niet in deze bestellijn."


def test_duplicate_open_report_is_refused(db, farm):
    user, cheese, jam, order = farm
    report_shortage(order.lines[0], cheese, 1, "", by=user)
    with pytest.raises(ShortageError) as error:
        report_shortage(order.lines[0], cheese, 1, "", by=user)
    assert str(error.value) == "Voor dit product in deze bestelling is al een tekort gemeld."


def test_a_closed_order_is_refused(db, farm):
    user, cheese, jam, order = farm
    transition(order, OrderStatus.CANCELLED)
    with pytest.raises(ShortageError):
        report_shortage(order.lines[0], cheese, 1, "", by=user)


def test_list_shows_my_reports_with_their_order(db, farm):
    user, cheese, jam, order = farm
    report_shortage(order.lines[0], cheese, 2, "", by=user)

    rows = list_shortage_reports(cheese.producer_id)

    assert [(r.order_number, r.report.product.name, r.report.quantity) for r in rows] == [
        (order.number, "Hoevekaas", 2)]
    assert list_shortage_reports(jam.producer_id) == []
