"""Cart rules: adding, quantities, stock over the whole cart (shared package components), pricing, problems."""

from __future__ import annotations

from datetime import date

import pytest

from shop.cart.models import Cart
from shop.cart.services import (
    InvalidQuantity,
    NotEnoughStock,
    NotOrderable,
    UnknownCartLine,
    add_item,
    add_to_new_cart,
    clear_cart,
    count_items,
    get_cart,
    get_or_create_cart,
    new_cart,
    price_cart,
    remove_line,
    set_quantity,
    update_quantities,
)
from shop.catalog.models import ProductStatus
from shop.catalog.vat import VatCategory, VatRate
from shop.inventory.models import MovementReason
from shop.inventory.services import adjust_stock
from tests.factories import make_package, make_producer, make_product, make_vat_category

DAY = date(2026, 11, 25)


@pytest.fixture
def cheese(db):
    return make_product("Hoevekaas", price_cents=450, stock=5, perishable=True)


@pytest.fixture
def beer(db):
    return make_product("Tripel", price_cents=300, stock=10, vat=make_vat_category("alcohol", 21))


@pytest.fixture
def cart(db):
    return get_or_create_cart(None)


def lines_of(cart: Cart) -> list[tuple[int | None, int | None, int]]:
    return [
        (line.product_id, line.package_id, line.quantity)
        for line in sorted(cart.lines, key=lambda line: line.id)
    ]


# --- carts and tokens ---------------------------------------------------------------------------------------


def test_get_or_create_cart_makes_a_fresh_token_and_finds_it_again(db):
    cart = get_or_create_cart(None)
    assert len(cart.token) == 43
    assert get_cart(cart.token) is cart
    assert get_or_create_cart(cart.token) is cart


@pytest.mark.parametrize("token", [None, "", "unknown-token", "x" * 65, "a\x00b"])
def test_get_cart_without_a_known_token_is_none(db, token):
    assert get_cart(token) is None


def test_an_unknown_token_from_the_browser_is_never_adopted(db):
    cart = get_or_create_cart("chosen-by-the-browser")
    assert cart.token != "chosen-by-the-browser"


def test_a_new_cart_is_stored_with_its_first_line(db, cheese):
    cart = new_cart()
    line = add_item(cart, product_id=cheese.id, quantity=2)
    db.session.commit()

    assert get_cart(cart.token) is cart
    assert lines_of(cart) == [(cheese.id, None, 2)]
    assert line.cart_id == cart.id


@pytest.mark.parametrize(("item", "quantity"), [("cheese", 6), ("unknown", 1), ("cheese", 0)])
def test_a_refused_first_addition_stores_no_cart(db, cheese, item, quantity):
    cart = new_cart()
    with pytest.raises((NotEnoughStock, NotOrderable, InvalidQuantity)):
        add_item(cart, product_id=cheese.id if item == "cheese" else 987654, quantity=quantity)
    db.session.commit()

    assert cart not in db.session
    assert db.session.query(Cart).count() == 0


def test_a_new_visitors_first_product_makes_a_cart_with_its_line(db, cheese):
    added = add_to_new_cart(product_id=cheese.id, quantity=5)
    db.session.commit()

    cart = get_cart(added.token)
    assert (added.name, added.quantity) == ("Hoevekaas", 5)
    assert lines_of(cart) == [(cheese.id, None, 5)]
    assert cart.user_id is None and cart.created_at is not None


def test_a_new_visitors_first_product_is_named_in_the_visitors_language(app, db):
    product = make_product("Hoevekaas", translations={"fr": {"name": "Fromage fermier"}})
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        assert add_to_new_cart(product_id=product.id).name == "Fromage fermier"


def test_a_new_visitors_first_package_makes_a_cart_with_its_line(db, cheese, beer):
    package = make_package([(cheese, 1), (beer, 2)], name="Streekpakket")
    added = add_to_new_cart(package_id=package.id, quantity=5)
    db.session.commit()

    assert (added.name, added.quantity) == ("Streekpakket", 5)
    assert lines_of(get_cart(added.token)) == [(None, package.id, 5)]


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: make_product("Hoevekaas", stock=0), NotEnoughStock, "Hoevekaas is uitverkocht."),
        (lambda: make_product("Hoevekaas", stock=2), NotEnoughStock,
         "Er zijn nog maar 2 stuks van Hoevekaas beschikbaar."),
        (lambda: make_product("Hoevekaas", status=ProductStatus.HIDDEN), NotOrderable,
         "Dit product is niet (meer) te koop."),
        (lambda: make_product("Hoevekaas", producer=make_producer(active=False)), NotOrderable,
         "Dit product is niet (meer) te koop."),
    ],
    ids=["sold_out", "short", "hidden", "inactive_producer"],
)
def test_a_new_visitors_refused_first_product_stores_nothing(db, make, error, message):
    product = make()
    db.session.commit()
    with pytest.raises(error) as refused:
        add_to_new_cart(product_id=product.id, quantity=3)
    db.session.rollback()

    assert str(refused.value) == message
    assert db.session.query(Cart).count() == 0


def test_a_new_visitors_package_short_of_a_component_is_refused(db, cheese, beer):
    package = make_package([(cheese, 2), (beer, 1)], name="Streekpakket")  # cheese: 5 in stock, 2 per package
    db.session.commit()
    with pytest.raises(NotEnoughStock) as refused:
        add_to_new_cart(package_id=package.id, quantity=3)
    db.session.rollback()

    assert str(refused.value) == "Er zijn nog maar 2 pakketten Streekpakket beschikbaar."
    assert db.session.query(Cart).count() == 0


@pytest.mark.parametrize(
    ("ids", "quantity"),
    [({"product_id": 987654}, 1), ({"package_id": 987654}, 1), ({}, 1), ({"product_id": "1"}, 1),
     ({"product_id": 1, "package_id": 1}, 1), ({"product_id": 1}, 0), ({"product_id": 1}, 100)],
)
def test_a_new_visitors_bad_addition_is_refused(db, cheese, ids, quantity):
    with pytest.raises((NotOrderable, InvalidQuantity)):
        add_to_new_cart(**ids, quantity=quantity)
    db.session.rollback()
    assert db.session.query(Cart).count() == 0


# --- adding -------------------------------------------------------------------------------------------------


def test_add_product_then_again_adds_to_the_same_line(cart, cheese):
    first = add_item(cart, product_id=cheese.id, quantity=2)
    second = add_item(cart, product_id=cheese.id, quantity=1)
    assert first.id == second.id
    assert lines_of(cart) == [(cheese.id, None, 3)]


def test_add_package(cart, cheese, beer):
    package = make_package([(cheese, 2), (beer, 1)], name="Kerstpakket")
    line = add_item(cart, package_id=package.id, quantity=2)
    assert (line.product_id, line.package_id, line.quantity) == (None, package.id, 2)


def test_add_more_than_the_stock_is_refused_with_the_count(cart, cheese):
    with pytest.raises(NotEnoughStock) as refused:
        add_item(cart, product_id=cheese.id, quantity=6)
    assert str(refused.value) == "Er zijn nog maar 5 stuks van Hoevekaas beschikbaar."
    assert lines_of(cart) == []


def test_adding_beyond_stock_counts_what_is_already_in_the_cart(cart, cheese):
    add_item(cart, product_id=cheese.id, quantity=3)
    with pytest.raises(NotEnoughStock) as refused:
        add_item(cart, product_id=cheese.id, quantity=3)
    assert str(refused.value) == "Er zijn nog maar 5 stuks van Hoevekaas beschikbaar. Je hebt er al 3 in je winkelmand."
    assert lines_of(cart) == [(cheese.id, None, 3)]


def test_a_package_and_a_loose_product_sharing_a_component_never_ask_more_than_its_stock(cart, cheese, beer):
    package = make_package([(cheese, 2), (beer, 1)], name="Kaasmand")
    add_item(cart, package_id=package.id, quantity=2)  # takes 4 of the 5 cheeses

    with pytest.raises(NotEnoughStock) as refused:
        add_item(cart, product_id=cheese.id, quantity=2)
    assert str(refused.value) == "Samen met de rest van je winkelmand kun je nog maar 1 × Hoevekaas nemen."

    add_item(cart, product_id=cheese.id, quantity=1)  # the last one fits
    with pytest.raises(NotEnoughStock) as refused:
        add_item(cart, package_id=package.id, quantity=1)
    assert str(refused.value) == "Er zijn nog maar 2 pakketten Kaasmand beschikbaar. Je hebt er al 2 in je winkelmand."
    assert lines_of(cart) == [(None, package.id, 2), (cheese.id, None, 1)]


def test_two_packages_sharing_a_component_never_ask_more_than_its_stock(cart, cheese, beer):
    first = make_package([(cheese, 2)], name="Kaasduo")
    second = make_package([(cheese, 1), (beer, 1)], name="Kaas en bier")
    add_item(cart, package_id=first.id, quantity=2)
    with pytest.raises(NotEnoughStock) as refused:
        add_item(cart, package_id=second.id, quantity=2)
    assert str(refused.value) == "Samen met de rest van je winkelmand kun je nog maar 1 × Kaas en bier nemen."
    add_item(cart, package_id=second.id, quantity=1)
    assert price_cart(cart, DAY).stock_quantities == {cheese.id: 5, beer.id: 1}


@pytest.mark.parametrize(
    "status", [ProductStatus.DRAFT, ProductStatus.PENDING_REVIEW, ProductStatus.HIDDEN, ProductStatus.ARCHIVED]
)
def test_a_product_that_is_not_published_cannot_be_added(cart, db, status):
    product = make_product("Geheime kaas", status=status)
    with pytest.raises(NotOrderable) as refused:
        add_item(cart, product_id=product.id)
    assert str(refused.value) == "Dit product is niet (meer) te koop."
    assert lines_of(cart) == []


def test_a_product_of_an_inactive_producer_cannot_be_added(cart, db):
    product = make_product("Kaas", producer=make_producer(active=False))
    with pytest.raises(NotOrderable):
        add_item(cart, product_id=product.id)


def test_a_sold_out_product_cannot_be_added(cart, db):
    product = make_product("Hoevekaas", stock=0)
    with pytest.raises(NotEnoughStock) as refused:
        add_item(cart, product_id=product.id)
    assert str(refused.value) == "Hoevekaas is uitverkocht."


@pytest.mark.parametrize("problem", ["inactive", "hidden_component", "inactive_producer", "no_components"])
def test_an_unavailable_package_cannot_be_added(cart, cheese, db, problem):
    hidden = make_product("Verborgen", status=ProductStatus.HIDDEN)
    closed = make_product("Gesloten", producer=make_producer(active=False))
    components = {
        "inactive": [(cheese, 1)], "hidden_component": [(cheese, 1), (hidden, 1)],
        "inactive_producer": [(closed, 1)], "no_components": [],
    }[problem]
    package = make_package(components, active=problem != "inactive")
    with pytest.raises(NotOrderable) as refused:
        add_item(cart, package_id=package.id)
    assert str(refused.value) == "Dit pakket is niet (meer) te koop."


@pytest.mark.parametrize(
    "ids", [{"product_id": 987654}, {"package_id": 987654}, {}, {"product_id": "1"}],
)
def test_unknown_or_missing_ids_are_refused(cart, cheese, ids):
    with pytest.raises(NotOrderable):
        add_item(cart, **ids)
    assert lines_of(cart) == []


def test_a_product_and_a_package_at_once_is_refused(cart, cheese):
    package = make_package([(cheese, 1)])
    with pytest.raises(NotOrderable) as refused:
        add_item(cart, product_id=cheese.id, package_id=package.id)
    assert str(refused.value) == "Kies een product of een pakket."


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        (0, "Het aantal moet minstens 1 zijn."),
        (-2, "Het aantal moet minstens 1 zijn."),
        (100, "Je kunt per product hoogstens 99 stuks bestellen. Voor grotere bestellingen: neem contact met ons op."),
        (10**12, "Je kunt per product hoogstens 99 stuks bestellen. Voor grotere bestellingen: neem contact met ons op."),
        ("3", "Vul als aantal een heel getal in."),
        (2.5, "Vul als aantal een heel getal in."),
        (True, "Vul als aantal een heel getal in."),
    ],
)
def test_bad_quantities_are_refused(cart, cheese, quantity, message):
    with pytest.raises(InvalidQuantity) as refused:
        add_item(cart, product_id=cheese.id, quantity=quantity)
    assert str(refused.value) == message
    assert lines_of(cart) == []


def test_a_line_holds_at_most_99(cart, db):
    product = make_product("Appelsap", stock=500)
    add_item(cart, product_id=product.id, quantity=60)
    with pytest.raises(InvalidQuantity) as refused:
        add_item(cart, product_id=product.id, quantity=40)
    assert str(refused.value) == "Je hebt al 60 × Appelsap in je winkelmand; meer dan 99 per product kan niet."
    assert lines_of(cart) == [(product.id, None, 60)]


# --- changing quantities -----------------------------------------------------------------------------------


def test_set_quantity_within_stock(cart, cheese):
    line = add_item(cart, product_id=cheese.id, quantity=1)
    assert set_quantity(cart, line.id, 4).quantity == 4
    assert lines_of(cart) == [(cheese.id, None, 4)]


def test_set_quantity_above_stock_is_refused_and_changes_nothing(cart, db):
    cheese = make_product("Hoevekaas", stock=3)
    line = add_item(cart, product_id=cheese.id, quantity=1)
    with pytest.raises(NotEnoughStock) as refused:
        set_quantity(cart, line.id, 4)
    assert str(refused.value) == "Er zijn nog maar 3 stuks van Hoevekaas beschikbaar."
    assert lines_of(cart) == [(cheese.id, None, 1)]


def test_set_quantity_counts_shared_components(cart, cheese):
    package = make_package([(cheese, 2)], name="Kaasduo")
    add_item(cart, package_id=package.id, quantity=1)
    line = add_item(cart, product_id=cheese.id, quantity=1)
    with pytest.raises(NotEnoughStock) as refused:
        set_quantity(cart, line.id, 4)
    assert str(refused.value) == "Samen met de rest van je winkelmand kun je nog maar 3 × Hoevekaas nemen."
    set_quantity(cart, line.id, 3)
    assert price_cart(cart, DAY).stock_quantities == {cheese.id: 5}


def test_set_quantity_zero_removes_the_line(cart, cheese):
    line = add_item(cart, product_id=cheese.id, quantity=2)
    assert set_quantity(cart, line.id, 0) is None
    assert lines_of(cart) == []


@pytest.mark.parametrize("quantity", [-1, 100, "2"])
def test_set_quantity_refuses_bad_quantities(cart, cheese, quantity):
    line = add_item(cart, product_id=cheese.id, quantity=2)
    with pytest.raises(InvalidQuantity):
        set_quantity(cart, line.id, quantity)
    assert lines_of(cart) == [(cheese.id, None, 2)]


def test_another_carts_line_cannot_be_changed_or_removed(cart, cheese):
    other = get_or_create_cart(None)
    foreign = add_item(other, product_id=cheese.id, quantity=2)
    with pytest.raises(UnknownCartLine):
        set_quantity(cart, foreign.id, 1)
    with pytest.raises(UnknownCartLine):
        remove_line(cart, foreign.id)
    with pytest.raises(UnknownCartLine):
        update_quantities(cart, {foreign.id: 0})
    assert lines_of(other) == [(cheese.id, None, 2)]


def test_update_quantities_is_all_or_nothing(cart, cheese, beer):
    cheese_line = add_item(cart, product_id=cheese.id, quantity=1)
    beer_line = add_item(cart, product_id=beer.id, quantity=1)
    with pytest.raises(NotEnoughStock):
        update_quantities(cart, {cheese_line.id: 2, beer_line.id: 11})
    assert lines_of(cart) == [(cheese.id, None, 1), (beer.id, None, 1)]
    update_quantities(cart, {cheese_line.id: 0, beer_line.id: 10})
    assert lines_of(cart) == [(beer.id, None, 10)]


def test_a_line_that_became_unavailable_does_not_block_changing_others(cart, cheese, beer):
    cheese_line = add_item(cart, product_id=cheese.id, quantity=1)
    beer_line = add_item(cart, product_id=beer.id, quantity=1)
    cheese.status = ProductStatus.HIDDEN
    update_quantities(cart, {cheese_line.id: 1, beer_line.id: 3})
    assert lines_of(cart) == [(cheese.id, None, 1), (beer.id, None, 3)]


def test_remove_line_and_clear_cart(cart, cheese, beer):
    line = add_item(cart, product_id=cheese.id)
    add_item(cart, product_id=beer.id, quantity=2)
    remove_line(cart, line.id)
    assert lines_of(cart) == [(beer.id, None, 2)]
    clear_cart(cart)
    assert lines_of(cart) == []
    assert get_cart(cart.token) is cart


def test_count_items(cart, cheese, beer):
    assert count_items(cart.token) == 0
    add_item(cart, product_id=cheese.id, quantity=2)
    add_item(cart, product_id=beer.id, quantity=3)
    assert count_items(cart.token) == 5
    assert count_items(None) == 0
    assert count_items("unknown") == 0


# --- pricing ---------------------------------------------------------------------------------------------------


def test_price_cart_with_products_and_a_package_split_over_its_components_vat(cart, cheese, beer):
    # Package list prices: 2 × 4,50 (6 %) + 1 × 3,00 (21 %) = 12,00 -> 35,00 split 26,25 / 8,75.
    package = make_package([(cheese, 2), (beer, 1)], name="Kerstpakket", price_cents=3500)
    package_line = add_item(cart, package_id=package.id, quantity=2)
    cheese_line = add_item(cart, product_id=cheese.id, quantity=1)

    priced = price_cart(cart, DAY)

    assert [(line.line_id, line.unit_price_cents, line.quantity, line.total_cents, line.vat_rate) for line in priced.lines] == [
        (package_line.id, 3500, 2, 7000, None),
        (cheese_line.id, 450, 1, 450, 6),
    ]
    assert [(s.product.id, s.quantity, s.vat_rate, s.share_cents) for s in priced.lines[0].components] == [
        (cheese.id, 2, 6, 2625),
        (beer.id, 1, 21, 875),
    ]
    assert priced.lines[1].components == []
    assert priced.goods_cents == 7450
    assert priced.vat_lines == [
        {"rate": 6, "gross_cents": 5700, "vat_cents": 323, "base_cents": 5377},
        {"rate": 21, "gross_cents": 1750, "vat_cents": 304, "base_cents": 1446},
    ]
    assert priced.item_count == 3
    assert priced.has_perishables is True
    assert priced.stock_quantities == {cheese.id: 5, beer.id: 2}
    assert priced.problems == []
    assert [line.available for line in priced.lines] == [2, 5]
    assert [line.perishable for line in priced.lines] == [True, True]


def test_component_shares_sum_exactly_to_the_package_price(cart, db):
    parts = [make_product(f"Deel {i}", price_cents=price, stock=5) for i, price in enumerate([333, 333, 334])]
    package = make_package([(p, 1) for p in parts], price_cents=1001)
    add_item(cart, package_id=package.id)
    shares = [s.share_cents for s in price_cart(cart, DAY).lines[0].components]
    assert shares == [333, 333, 335]
    assert sum(shares) == 1001


def test_price_cart_uses_the_vat_rate_of_the_day(cart, db):
    category = VatCategory(code="soft", name="soft", rates=[VatRate(rate_percent=6, valid_from=date(2000, 1, 1)),
                                                            VatRate(rate_percent=12, valid_from=date(2027, 1, 1))])
    db.session.add(category)
    product = make_product("Limonade", price_cents=1120, vat=category)
    add_item(cart, product_id=product.id)
    assert price_cart(cart, date(2026, 12, 31)).lines[0].vat_rate == 6
    assert price_cart(cart, date(2027, 1, 1)).vat_lines == [
        {"rate": 12, "gross_cents": 1120, "vat_cents": 120, "base_cents": 1000}
    ]


def test_prices_come_from_the_database_at_pricing_time(cart, cheese):
    add_item(cart, product_id=cheese.id, quantity=2)
    cheese.price_cents = 500
    assert price_cart(cart, DAY).goods_cents == 1000


def test_price_of_no_cart_is_empty(db):
    priced = price_cart(None, DAY)
    assert (priced.lines, priced.goods_cents, priced.vat_lines, priced.item_count) == ([], 0, [], 0)
    assert priced.can_check_out is False


def test_lines_that_became_unavailable_are_problems(cart, cheese, beer):
    add_item(cart, product_id=cheese.id, quantity=2)
    add_item(cart, product_id=beer.id, quantity=4)
    cheese.status = ProductStatus.ARCHIVED
    adjust_stock(beer.id, -8, MovementReason.CORRECTION)  # 2 left

    priced = price_cart(cart, DAY)

    assert priced.problems == [
        "Hoevekaas is niet meer te koop. Verwijder het uit je winkelmand.",
        "Er zijn nog maar 2 stuks van Tripel beschikbaar.",
    ]
    assert [line.available for line in priced.lines] == [0, 2]
    assert priced.can_check_out is False


def test_shared_component_shortage_is_a_problem_of_the_cart(cart, cheese):
    package = make_package([(cheese, 2)], name="Kaasduo")
    add_item(cart, package_id=package.id, quantity=2)
    add_item(cart, product_id=cheese.id, quantity=1)
    adjust_stock(cheese.id, -1, MovementReason.CORRECTION)  # 4 left for 5 wanted
    assert price_cart(cart, DAY).problems == [
        "Samen met de rest van je winkelmand kun je nog maar 1 × Kaasduo nemen.",
        "Er is geen Hoevekaas meer beschikbaar bovenop wat al in je winkelmand zit.",
    ]
