"""place_order: one transaction, snapshots, numbering, stock, and everything it refuses."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from shop.cart.models import CartLine
from shop.checkout.delivery import DeliveryError
from shop.checkout.services import CartChanged, EmptyCart, OrderOutOfStock, place_order
from shop.inventory.models import MovementReason, StockMovement
from shop.inventory.services import OutOfStock, get_stock_from_movements
from shop.orders.models import DeliveryMethod, Order, OrderStatus
from tests.factories import (
    make_locality,
    make_order,
    make_order_cart,
    make_order_data,
    make_package,
    make_product,
    make_vat_category,
)


def test_place_order_snapshots_lines_and_totals(db):
    cheese = make_product("Oude Brugge", price_cents=1250, stock=10, unit="per stuk", perishable=True)
    cart = make_order_cart((cheese, 2))
    order = place_order(cart, make_order_data(), locale="nl")
    db.session.commit()

    cheese.price_cents = 9999
    cheese.name = "Andere naam"
    db.session.commit()
    db.session.expire_all()

    order = db.session.get(Order, order.id)
    assert order.number.startswith("LOV-")
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert (order.goods_cents, order.delivery_fee_cents, order.total_cents) == (2500, 0, 2500)
    assert len(order.status_token) >= 43
    assert order.terms_accepted_at is not None
    [line] = order.lines
    assert (line.name, line.unit, line.quantity, line.unit_price_cents, line.total_cents, line.vat_rate, line.perishable) == (
        "Oude Brugge", "per stuk", 2, 1250, 2500, 6, True)
    assert line.shipment_id == order.shipment.id
    [transition] = order.transitions
    assert (transition.from_status, transition.to_status, transition.actor) == (None, OrderStatus.PENDING_PAYMENT, "customer")
    assert cheese.stock == 8
    assert get_stock_from_movements(cheese.id) == 8
    movement = db.session.scalars(select(StockMovement).where(StockMovement.reason == MovementReason.ORDER)).one()
    assert (movement.delta, movement.note) == (-2, order.number)
    assert db.session.scalar(select(func.count()).select_from(CartLine)) == 0


def test_place_order_snapshots_package_components(db):
    beer = make_product("Bier", price_cents=300, stock=10, vat=make_vat_category("alcohol", 21), producer=None)
    jam = make_product("Confituur", price_cents=600, stock=10)
    package = make_package([(beer, 2), (jam, 1)], price_cents=1000, name="Proefpakket")
    order = make_order((package, 3))
    [line] = order.lines
    assert (line.name, line.quantity, line.unit_price_cents, line.total_cents, line.vat_rate) == ("Proefpakket", 3, 1000, 3000, None)
    shares = [(c.name, c.quantity, c.list_price_cents, c.vat_rate, c.share_cents, c.producer_id) for c in line.components]
    assert shares == [("Bier", 2, 300, 21, 500, beer.producer_id), ("Confituur", 1, 600, 6, 500, jam.producer_id)]
    assert (beer.stock, jam.stock) == (4, 7)


def test_order_name_in_the_orders_locale(db):
    product = make_product("Peperkoek", translations={"fr": {"name": "Pain d'épices"}})
    order = make_order((product, 1), locale="fr")
    assert (order.locale, order.lines[0].name) == ("fr", "Pain d'épices")


def test_order_numbers_follow_each_other_per_year(db):
    first = make_order()
    second = make_order()
    year = date.today().year
    assert first.number == f"LOV-{year}-000001"
    assert second.number == f"LOV-{year}-000002"


def test_delivery_order_has_fee_zone_and_address(db):
    make_locality("9000", "Gent")
    product = make_product(price_cents=1000, stock=10)
    order = make_order((product, 2), data=make_order_data("delivery", is_gift=True, gift_message="Gelukkige verjaardag!",
                                                           hide_prices=True))
    shipment = order.shipment
    assert (shipment.method, shipment.zone, shipment.fee_cents, shipment.postcode, shipment.city, shipment.recipient_name) == (
        DeliveryMethod.DELIVERY, "oost-vlaanderen", 695, "9000", "Gent", "Jan Peeters")
    assert (shipment.is_gift, shipment.gift_message, shipment.hide_prices) == (True, "Gelukkige verjaardag!", True)
    assert (order.goods_cents, order.delivery_fee_cents, order.total_cents) == (2000, 695, 2695)


def test_company_details_are_kept(db):
    data = make_order_data(is_company=True, company_name="Brouwerij NV", vat_number="BE0123456749",
                           billing_street="Kaai 3", billing_postcode="9000", billing_city="Gent")
    order = make_order(data=data)
    assert (order.company_name, order.vat_number, order.billing_city, order.is_company) == (
        "Brouwerij NV", "BE0123456749", "Gent", True)


def test_empty_cart_is_refused(db):
    with pytest.raises(EmptyCart):
        place_order(make_order_cart(), make_order_data())
    with pytest.raises(EmptyCart):
        place_order(None, make_order_data())


def test_unpublished_product_is_refused(db):
    product = make_product(stock=5)
    cart = make_order_cart((product, 1))
    product.status = "hidden"
    db.session.flush()
    with pytest.raises(CartChanged):
        place_order(cart, make_order_data())


def test_stock_gone_since_the_cart_names_the_product_and_creates_nothing(app, db):
    product = make_product("Gentse mokken", stock=3)
    cart = make_order_cart((product, 3))
    db.session.commit()
    product.stock = 2  # someone else bought one (the cart check would also see it)
    db.session.commit()
    with app.test_request_context():
        with pytest.raises(OutOfStock) as error:
            place_order(cart, make_order_data())
        assert isinstance(error.value, OrderOutOfStock)
        assert str(error.value) == "Van Gentse mokken is intussen niet genoeg voorraad meer. Pas je winkelmand aan en probeer opnieuw."
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0
    assert db.session.scalar(select(func.count()).select_from(CartLine)) == 1


def test_package_and_loose_product_sharing_a_component_cannot_oversell(db):
    shared = make_product("Mosterd", stock=3)
    other = make_product("Kaas", stock=10)
    package = make_package([(shared, 2), (other, 1)])
    cart = make_order_cart((package, 1), (shared, 1))
    db.session.commit()
    shared.stock = 2
    db.session.commit()
    with pytest.raises(OutOfStock):
        place_order(cart, make_order_data())
    db.session.rollback()
    assert db.session.get(type(shared), shared.id).stock == 2
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_perishables_to_antwerp_are_refused(db):
    make_locality("9000", "Gent")
    product = make_product(perishable=True)
    with pytest.raises(DeliveryError):
        make_order((product, 1), data=make_order_data("delivery", postcode="2000", city="Antwerpen"))
