"""One rule "for sale": for every reason a product or package is not for sale (or not orderable now), the
Python predicate, its SQL, the products list, the product and package pages, the cart, the package admin
figures and checkout all give the same answer.

Each case puts an item in a cart while it can still be bought, then applies the reason, then asks every
place that decides. A copy of the rule that forgets a condition makes one of them disagree.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shop.cart.services import NotEnoughStock, NotOrderable, add_item, get_or_create_cart, price_cart
from shop.catalog.models import FOR_SALE, ORDERABLE, Product, ProductStatus, SaleCondition
from shop.catalog.product_filters import ProductFilters
from shop.catalog.product_queries import list_products
from shop.checkout.services import CartChanged, OrderOutOfStock, place_order
from shop.core.clock import shop_today
from shop.extensions import db
from shop.inventory.models import MovementReason
from shop.inventory.services import adjust_stock
from shop.packages import services as packages
from shop.packages.admin_queries import package_figures
from shop.packages.models import Package
from shop.packages.queries import PackageFilters, list_packages
from tests.factories import make_order_cart, make_order_data, make_package, make_product


def _sold_out(product: Product) -> None:
    adjust_stock(product.id, -product.stock, MovementReason.CORRECTION)


def _status(status: ProductStatus):
    def apply(product: Product) -> None:
        product.status = status

    return apply


def _producer_inactive(product: Product) -> None:
    product.producer.active = False


# reason -> (what it does to the product, its unmet conditions)
PRODUCT_CASES = {
    "for sale": (lambda product: None, []),
    "draft": (_status(ProductStatus.DRAFT), [SaleCondition.PUBLISHED]),
    "pending review": (_status(ProductStatus.PENDING_REVIEW), [SaleCondition.PUBLISHED]),
    "hidden": (_status(ProductStatus.HIDDEN), [SaleCondition.PUBLISHED]),
    "archived": (_status(ProductStatus.ARCHIVED), [SaleCondition.PUBLISHED]),
    "producer inactive": (_producer_inactive, [SaleCondition.PRODUCER_ACTIVE]),
    "no stock": (_sold_out, [SaleCondition.IN_STOCK]),
    "hidden, producer inactive, no stock": (
        lambda p: (_status(ProductStatus.HIDDEN)(p), _producer_inactive(p), _sold_out(p)),
        [SaleCondition.PUBLISHED, SaleCondition.PRODUCER_ACTIVE, SaleCondition.IN_STOCK],
    ),
}


def _in_sql(product: Product, clause) -> bool:
    return db.session.scalar(select(Product.id).where(Product.id == product.id, clause)) is not None


def _cart_add(**item) -> type | None:
    """None when the cart takes one more, else the error class it raises."""
    try:
        add_item(get_or_create_cart(None), quantity=1, **item)
    except (NotOrderable, NotEnoughStock) as error:
        return type(error)
    return None


def _checkout(cart) -> type | None:
    """None when the order is placed, else the error class place_order raises (always rolled back)."""
    try:
        place_order(cart, make_order_data())
    except (CartChanged, OrderOutOfStock) as error:
        return type(error)
    finally:
        db.session.rollback()
    return None


@pytest.mark.parametrize("reason", list(PRODUCT_CASES))
def test_every_place_agrees_whether_a_product_is_for_sale(client, reason):
    # given: a product in a cart while it could be bought, then the reason
    apply, unmet = PRODUCT_CASES[reason]
    product = make_product("Hoevekaas", stock=5)
    cart = make_order_cart((product, 1))
    db.session.commit()
    apply(product)
    db.session.commit()
    db.session.expire_all()
    product = db.session.get(Product, product.id)
    for_sale = not set(unmet) & set(FOR_SALE)
    orderable = not unmet

    # the rule, in Python and in SQL
    assert product.unmet_sale_conditions() == unmet
    assert (product.is_for_sale, product.is_orderable) == (for_sale, orderable)
    assert _in_sql(product, Product.is_for_sale) is for_sale
    assert _in_sql(product, Product.is_orderable) is orderable

    # the products list shows what is for sale (sold out too, marked so)
    listing = list_products(ProductFilters(), today=shop_today())
    assert (product.id in {p.id for p in listing.products}) is for_sale

    # the product page exists while it is for sale, and offers the cart while it is orderable
    response = client.get(f"/producten/{product.slug}")
    assert response.status_code == (200 if for_sale else 404)
    assert ('id="product-add' in response.get_data(as_text=True)) is orderable

    # the cart: takes it, refuses it as not for sale, or as out of stock
    expected_error = None if orderable else NotEnoughStock if for_sale else NotOrderable
    assert _cart_add(product_id=product.id) is expected_error
    [line] = price_cart(cart, shop_today()).lines
    assert line.for_sale is for_sale
    assert (line.problem is None) is orderable
    assert line.available == (product.stock if for_sale else 0)

    # checkout: places the order, or refuses the changed cart, or names the missing stock
    assert _checkout(cart) is (None if orderable else OrderOutOfStock if for_sale else CartChanged)


def _component_status(status: ProductStatus):
    def apply(package, component_product):
        component_product.status = status

    return apply


def _component_producer_inactive(package, component_product):
    component_product.producer.active = False


def _component_sold_out(package, component_product):
    _sold_out(component_product)


def _package_inactive(package, component_product):
    package.active = False


# reason -> (what it does, for sale, available now)
PACKAGE_CASES = {
    "for sale": (lambda package, product: None, True, True),
    "package inactive": (_package_inactive, False, False),
    "component draft": (_component_status(ProductStatus.DRAFT), False, False),
    "component hidden": (_component_status(ProductStatus.HIDDEN), False, False),
    "component archived": (_component_status(ProductStatus.ARCHIVED), False, False),
    "component producer inactive": (_component_producer_inactive, False, False),
    "component out of stock": (_component_sold_out, True, False),
}


@pytest.mark.parametrize("reason", list(PACKAGE_CASES))
def test_every_place_agrees_whether_a_package_is_for_sale(client, reason):
    # given: a package of two products in a cart while it could be bought, then the reason on one of them
    apply, for_sale, available = PACKAGE_CASES[reason]
    cheese = make_product("Hoevekaas", stock=6)
    jam = make_product("Confituur", stock=9)
    package = make_package([(cheese, 2), (jam, 1)], price_cents=2000, slug="proefpakket")
    cart = make_order_cart((package, 1))
    db.session.commit()
    apply(package, cheese)
    db.session.commit()
    db.session.expire_all()
    package = db.session.get(Package, package.id)
    expected_quantity = 3 if available else 0

    # the package rule, built on the product rule
    assert packages.is_for_sale(package) is for_sale
    assert packages.available_quantity(package) == expected_quantity
    assert package_figures(package).available_quantity == expected_quantity

    # the packages list and the package page
    cards = {card.package.id: card for card in list_packages(PackageFilters()).cards}
    assert (package.id in cards) is package.active
    if package.active:
        assert cards[package.id].is_available is available
    response = client.get("/pakketten/proefpakket")
    assert response.status_code == (200 if package.active else 404)
    assert ('id="package-add' in response.get_data(as_text=True)) is available

    # the cart and checkout
    expected_error = None if available else NotEnoughStock if for_sale else NotOrderable
    assert _cart_add(package_id=package.id) is expected_error
    [line] = price_cart(cart, shop_today()).lines
    assert (line.for_sale, line.available) == (for_sale, expected_quantity)
    assert _checkout(cart) is (None if available else OrderOutOfStock if for_sale else CartChanged)


def test_a_package_without_components_is_not_for_sale(db):
    package = make_package([])
    assert packages.is_for_sale(package) is False
    assert packages.available_quantity(package) == 0
    assert _cart_add(package_id=package.id) is NotOrderable


def test_the_sql_rule_needs_no_join_and_stays_right_with_producers_joined(db):
    from shop.catalog.models import Producer

    on_sale = make_product("Kaas")
    off = make_product("Boter")
    off.producer.active = False
    db.session.flush()
    alone = set(db.session.scalars(select(Product.id).where(Product.is_for_sale)))
    joined = set(db.session.scalars(select(Product.id).join(Producer).where(Product.is_for_sale)))
    assert alone == joined == {on_sale.id}


def test_orderable_means_for_sale_and_in_stock_and_the_season_is_no_condition():
    assert ORDERABLE == (*FOR_SALE, SaleCondition.IN_STOCK)
    assert not any("season" in condition.value for condition in SaleCondition)
