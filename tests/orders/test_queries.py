"""Order reads and VAT per rate (the delivery fee follows the goods' rates)."""

from __future__ import annotations

from shop.accounts.models import User
from shop.orders.models import DeliveryMethod, Shipment
from shop.orders.queries import add_fee_by_rate, get_order_by_token, list_orders_for_user, order_vat_lines
from tests.factories import make_locality, make_order, make_order_data, make_package, make_product, make_vat_category


def test_fee_follows_a_single_rate():
    assert add_fee_by_rate({6: 3000}, 695) == {6: 3695}


def test_fee_is_split_over_mixed_rates_in_proportion():
    # 3000 at 6 % and 1000 at 21 %: 695 splits 521.25 / 173.75 → 521 / 174 (largest remainder).
    assert add_fee_by_rate({6: 3000, 21: 1000}, 695) == {6: 3521, 21: 1174}


def test_no_fee_changes_nothing():
    assert add_fee_by_rate({6: 100, 21: 50}, 0) == {6: 100, 21: 50}


def test_order_vat_lines_from_products_package_shares_and_fee(db):
    make_locality("9000", "Gent")
    wine = make_product(price_cents=1000, stock=10, vat=make_vat_category("alcohol", 21))
    jam = make_product(price_cents=500, stock=10)
    package = make_package([(wine, 1), (jam, 2)], price_cents=1800)  # shares 900 / 900
    order = make_order((package, 2), (jam, 1), data=make_order_data("delivery"))
    assert (order.goods_cents, order.delivery_fee_cents, order.total_cents) == (4100, 695, 4795)
    # goods: 21 % 1800, 6 % 2300; fee 695 → 305.12 / 389.88 → 305 / 390
    lines = order_vat_lines(order)
    assert lines == [
        {"rate": 6, "gross_cents": 2690, "vat_cents": 152, "base_cents": 2538},
        {"rate": 21, "gross_cents": 2105, "vat_cents": 365, "base_cents": 1740},
    ]
    assert sum(line["gross_cents"] for line in lines) == order.total_cents


def test_get_order_by_token(db):
    order = make_order()
    assert get_order_by_token(order.status_token) is order
    assert get_order_by_token("nope") is None
    assert get_order_by_token("") is None
    assert get_order_by_token("x" * 500) is None


def test_list_orders_for_user_newest_first(db):
    user = User(email="klant@voorbeeld.be")
    db.session.add(user)
    db.session.flush()
    first = make_order(by=user)
    second = make_order(by=user)
    make_order()
    assert [o.id for o in list_orders_for_user(user.id)] == [second.id, first.id]


def test_the_shipment_of_an_order_is_its_first_one_or_none(db):
    make_locality("9000", "Gent")
    order = make_order(data=make_order_data("delivery"))
    first = order.shipments[0]
    assert order.shipment is first

    order.shipments.append(Shipment(method=DeliveryMethod.PICKUP))
    assert order.shipment is first  # a company order's later shipments do not replace the first

    order.shipments.clear()
    assert order.shipment is None  # an order without shipment is read as "none", never an IndexError
