"""Concurrent buyers never oversell: threads race to place orders for the last units (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import func, select

from shop.catalog.models import Product
from shop.checkout.services import place_order
from shop.extensions import db as _db
from shop.inventory.models import StockMovement
from shop.inventory.services import OutOfStock
from shop.orders.models import Order
from tests.factories import make_order_cart, make_order_data, make_package, make_product
from tests.helpers import race

THREADS = 20


def _race(app, cart_ids: list[int], data) -> list[str]:
    """Each thread places the order of its own cart in its own app context and session; returns outcomes."""
    from shop.cart.models import Cart

    def buy(cart_id: int):
        def step() -> str:
            cart = _db.session.get(Cart, cart_id)
            place_order(cart, data)
            return "ordered"
        return step

    return race(app, [buy(cart_id) for cart_id in cart_ids], outcomes={OutOfStock: "out_of_stock"})


def _stock_and_movements(product_id: int) -> tuple[int, int]:
    _db.session.expire_all()
    stock = _db.session.scalar(select(Product.stock).where(Product.id == product_id))
    movements = _db.session.scalar(
        select(func.coalesce(func.sum(StockMovement.delta), 0)).where(StockMovement.product_id == product_id)
    )
    return stock, movements


def test_twenty_buyers_race_for_the_last_five_units(app, db):
    product = make_product("Laatste ham", stock=5)
    carts = [make_order_cart((product, 1)) for _ in range(THREADS)]
    data = make_order_data()
    db.session.commit()
    cart_ids = [cart.id for cart in carts]
    product_id = product.id
    db.session.commit()  # give the test's own connection back to the pool

    results = _race(app, cart_ids, data)

    assert sorted(results) == ["ordered"] * 5 + ["out_of_stock"] * (THREADS - 5)
    assert _stock_and_movements(product_id) == (0, 0)
    assert db.session.scalar(select(func.count()).select_from(Order)) == 5
    numbers = db.session.scalars(select(Order.number)).all()
    assert len(set(numbers)) == 5


def test_package_and_loose_product_sharing_a_component_race(app, db):
    shared = make_product("Gentse mosterd", stock=4)
    other = make_product("Kaas", stock=100)
    package = make_package([(shared, 2), (other, 1)])
    # Every cart needs all 4 units: 1 package (2 units) + 2 loose jars.
    carts = [make_order_cart((package, 1), (shared, 2)) for _ in range(THREADS)]
    data = make_order_data()
    db.session.commit()
    cart_ids, shared_id, other_id = [c.id for c in carts], shared.id, other.id
    db.session.commit()

    results = _race(app, cart_ids, data)

    assert sorted(results) == ["ordered"] + ["out_of_stock"] * (THREADS - 1)
    assert _stock_and_movements(shared_id) == (0, 0)
    assert _stock_and_movements(other_id) == (99, 99)


def test_two_packages_sharing_a_component_race(app, db):
    shared = make_product("Jenever", stock=6)
    first = make_package([(shared, 1), (make_product(stock=100), 1)])
    second = make_package([(shared, 2), (make_product(stock=100), 1)])
    # Each cart takes 3 units of the shared product: two carts can be served.
    carts = [make_order_cart((first, 1), (second, 1)) for _ in range(THREADS)]
    data = make_order_data()
    db.session.commit()
    cart_ids, shared_id = [c.id for c in carts], shared.id
    db.session.commit()

    results = _race(app, cart_ids, data)

    assert sorted(results) == ["ordered"] * 2 + ["out_of_stock"] * (THREADS - 2)
    assert _stock_and_movements(shared_id) == (0, 0)
