"""The cart pages and forms: /winkelmand, adding from product/package pages and cards, the cookie, the header count."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import insert, select

from shop.cart.models import Cart, CartLine
from shop.catalog.models import ProductStatus
from tests import helpers
from tests.conftest import config_for_one_test
from tests.factories import make_package, make_product, make_vat_category
from tests.helpers import meanwhile


@pytest.fixture
def cheese(db):
    product = make_product("Hoevekaas", price_cents=450, stock=3, perishable=True)
    db.session.commit()
    return product


@pytest.fixture
def beer(db):
    product = make_product("Tripel", price_cents=300, stock=10, vat=make_vat_category("alcohol", 21))
    db.session.commit()
    return product


@contextmanager
def recorded_queries(db):
    db.session.remove()
    with helpers.count_queries(db.engine) as statements:
        yield statements


def add(client, follow=False, **data):
    return client.post("/winkelmand/toevoegen", data=data, follow_redirects=follow)


def cart_lines(db) -> list[tuple[int | None, int | None, int]]:
    db.session.expire_all()
    return [(line.product_id, line.package_id, line.quantity) for line in db.session.scalars(select(CartLine).order_by(CartLine.id))]


def header_count(html: str) -> str:
    match = re.search(r'<span class="cart-link__count">(\d+)<span class="visually-hidden"> (\w+)</span>', html)
    assert match, "no cart count in the header"
    return f"{match.group(1)} {match.group(2)}"


# --- the header link ---------------------------------------------------------------------------------------


def test_header_shows_zero_and_runs_no_cart_query_without_a_cookie(client, db, cheese):
    with recorded_queries(db) as statements:
        response = client.get("/winkelmand")
    assert response.status_code == 200
    assert header_count(response.text) == "0 artikelen"
    assert not [s for s in statements if "cart" in s]


def test_header_count_costs_one_small_query_with_a_cookie(client, db, cheese, beer):
    add(client, product_id=cheese.id, quantity=2)
    add(client, product_id=beer.id, quantity=3)
    with recorded_queries(db) as statements:
        response = client.get("/producenten")
    assert header_count(response.text) == "5 artikelen"
    assert len([s for s in statements if "cart" in s]) == 1


# --- adding -----------------------------------------------------------------------------------------------------


def test_add_from_the_product_page_redirects_back_with_a_message_and_sets_the_cookie(client, db, cheese):
    response = add(client, product_id=cheese.id, quantity="2", next=f"/producten/{cheese.slug}")

    assert response.status_code == 303
    assert response.headers["Location"] == f"/producten/{cheese.slug}"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lov_cart=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=2592000" in cookie and "Path=/" in cookie
    token = client.get_cookie("lov_cart").value
    assert db.session.scalar(select(Cart.token)) == token
    assert cart_lines(db) == [(cheese.id, None, 2)]

    page = client.get(f"/producten/{cheese.slug}")
    assert "2 × Hoevekaas toegevoegd aan je winkelmand." in page.text
    assert header_count(page.text) == "2 artikelen"


def test_adding_again_keeps_the_cookie_and_says_the_new_total(client, db, cheese):
    add(client, product_id=cheese.id, quantity=1)
    token = client.get_cookie("lov_cart").value
    response = add(client, follow=True, product_id=cheese.id, quantity=1)
    assert client.get_cookie("lov_cart").value == token
    assert "1 × Hoevekaas toegevoegd aan je winkelmand (er zitten er nu 2 in)." in response.text
    assert cart_lines(db) == [(cheese.id, None, 2)]
    assert db.session.scalar(select(Cart.id).where(Cart.token != token)) is None


def test_a_double_click_that_adds_the_same_product_twice_at_once_adds_both(client, db, cheese, beer, monkeypatch):
    # Two additions of the same product to one cart at once (a double click): both read the cart without its line,
    # and the second to write it ran into the line the first had just stored: a server error.
    from shop.cart import services

    add(client, product_id=beer.id, quantity=1)
    cart_id = db.session.scalar(select(Cart.id))
    cheese_id = cheese.id
    meanwhile(monkeypatch, services, "_load_lines", lambda *_, **__: db.session.execute(
        insert(CartLine.__table__).values(cart_id=cart_id, product_id=cheese_id, quantity=1)))

    response = add(client, follow=True, product_id=cheese_id, quantity=1)

    assert response.status_code == 200
    assert "1 × Hoevekaas toegevoegd aan je winkelmand (er zitten er nu 2 in)." in response.text
    assert cart_lines(db) == [(beer.id, None, 1), (cheese_id, None, 2)]


def test_add_a_package_from_a_list_card_without_quantity(client, db, cheese, beer):
    package = make_package([(cheese, 1), (beer, 2)], name="Streekpakket")
    db.session.commit()
    response = add(client, package_id=package.id, next="/pakketten?gelegenheid=kerst")
    assert response.headers["Location"] == "/pakketten?gelegenheid=kerst"
    assert cart_lines(db) == [(None, package.id, 1)]


def test_a_new_visitors_addition_reads_the_product_then_writes_only_the_cart_and_its_line(client, db, cheese):
    cheese_id = cheese.id
    with recorded_queries(db) as statements:
        response = add(client, product_id=cheese_id, quantity=1)

    assert response.status_code == 303
    verbs = [" ".join(statement.split()[:3]) for statement in statements]
    # Every check reads before the first write: the write (on SQLite, the database's write lock) lasts only
    # for the two rows and the commit.
    assert verbs[0].startswith("SELECT") and "products" in statements[0]
    assert verbs[1:] == ["INSERT INTO carts", "INSERT INTO cart_lines"]
    assert cart_lines(db) == [(cheese_id, None, 1)]


def test_a_new_visitors_package_reads_the_package_then_writes_only_the_cart_and_its_line(client, db, cheese, beer):
    package = make_package([(cheese, 1), (beer, 2)], name="Streekpakket")
    db.session.commit()
    package_id = package.id
    with recorded_queries(db) as statements:
        response = add(client, package_id=package_id, quantity=2)

    assert response.status_code == 303
    writes = [" ".join(statement.split()[:3]) for statement in statements if not statement.startswith("SELECT")]
    assert writes == ["INSERT INTO carts", "INSERT INTO cart_lines"]
    assert statements[-2].startswith("INSERT INTO carts")
    assert cart_lines(db) == [(None, package_id, 2)]
    assert "2 × Streekpakket toegevoegd aan je winkelmand." in client.get("/winkelmand").text


def test_a_returning_visitors_addition_reads_only_what_the_stock_check_needs(client, db, cheese, beer):
    cheese_id, beer_id = cheese.id, beer.id
    add(client, product_id=cheese_id, quantity=1)
    with recorded_queries(db) as statements:
        response = add(client, product_id=beer_id, quantity=2)

    assert response.status_code == 303
    tables = [re.search(r"(?:FROM|INTO) (\w+)", statement).group(1) for statement in statements]
    # The cart, the product, the cart's lines and their products (with producers: the sale rule), then the write;
    # no prices, VAT rates or images.
    assert tables == ["carts", "products", "cart_lines", "products", "cart_lines"]
    assert statements[-1].startswith("INSERT INTO cart_lines")
    assert [(product_id, quantity) for product_id, _, quantity in cart_lines(db)] == [(cheese_id, 1), (beer_id, 2)]


def test_adding_to_a_cart_keeps_the_catalogue_pages_in_the_cache(app, db, cheese):
    path = f"/producten/{cheese.slug}"
    for _ in range(2):
        with app.app_context():
            page = app.test_client().get(path)
    assert page.headers["X-Page-Cache"] == "hit"

    with app.app_context():
        assert add(app.test_client(), product_id=cheese.id, quantity=1).status_code == 303
    with app.app_context():
        after = app.test_client().get(path)

    assert after.headers["X-Page-Cache"] == "hit"
    assert cart_lines(db) == [(cheese.id, None, 1)]


def test_adding_without_the_pages_csrf_token_is_refused_and_stores_nothing(app, db, cheese):
    with config_for_one_test(app, {"WTF_CSRF_ENABLED": True}):
        visitor = app.test_client()
        page = visitor.get(f"/producten/{cheese.slug}")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)

        missing = add(visitor, product_id=cheese.id, quantity=1)
        forged = add(app.test_client(), product_id=cheese.id, quantity=1, csrf_token=token)
        assert (missing.status_code, forged.status_code) == (400, 400)
        assert db.session.scalar(select(Cart.id)) is None

        added = add(visitor, product_id=cheese.id, quantity=1, csrf_token=token)
    assert added.status_code == 303
    assert cart_lines(db) == [(cheese.id, None, 1)]


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "produkten", "/\\evil.example"])
def test_next_must_be_a_local_path(client, db, cheese, target):
    response = add(client, product_id=cheese.id, quantity=1, next=target)
    assert response.headers["Location"] == "/winkelmand"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"quantity": "abc"}, "Vul als aantal een heel getal in."),
        ({"quantity": "0"}, "Het aantal moet minstens 1 zijn."),
        ({"quantity": "-3"}, "Het aantal moet minstens 1 zijn."),
        ({"quantity": "2.5"}, "Vul als aantal een heel getal in."),
        ({"quantity": ""}, "Vul een aantal in."),
        ({"quantity": "99999999999999999999"}, "Vul als aantal een heel getal in."),
        ({"quantity": "100"}, "Je kunt per product hoogstens 99 stuks bestellen. Voor grotere bestellingen: neem contact met ons op."),
        ({"quantity": "4"}, "Er zijn nog maar 3 stuks van Hoevekaas beschikbaar."),
    ],
)
def test_bad_quantities_change_nothing_and_set_no_cookie(client, db, cheese, data, message):
    response = add(client, product_id=cheese.id, next=f"/producten/{cheese.slug}", **data)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/producten/{cheese.slug}"
    assert "Set-Cookie" not in response.headers or "lov_cart" not in response.headers["Set-Cookie"]
    assert db.session.scalar(select(Cart.id)) is None
    page = client.get(f"/producten/{cheese.slug}")
    assert message in page.text.replace("&#39;", "'")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"product_id": "abc"}, "Dit product of pakket bestaat niet."),
        ({"product_id": "987654"}, "Dit product is niet (meer) te koop."),
        ({"package_id": "987654"}, "Dit pakket is niet (meer) te koop."),
        ({}, "Kies een product of een pakket."),
        ({"product_id": "-1"}, "Dit product of pakket bestaat niet."),
    ],
)
def test_unknown_ids_are_refused(client, db, cheese, data, message):
    response = add(client, follow=True, quantity=1, **data)
    assert message in response.text
    assert db.session.scalar(select(Cart.id)) is None


@pytest.mark.parametrize("status", [ProductStatus.HIDDEN, ProductStatus.ARCHIVED, ProductStatus.DRAFT])
def test_unpublished_products_are_refused(client, db, status):
    product = make_product("Verborgen kaas", status=status)
    db.session.commit()
    response = add(client, follow=True, product_id=product.id, quantity=1)
    assert "Dit product is niet (meer) te koop." in response.text
    assert cart_lines(db) == []


def test_an_inactive_package_is_refused(client, db, cheese):
    package = make_package([(cheese, 1)], active=False)
    db.session.commit()
    response = add(client, follow=True, package_id=package.id)
    assert "Dit pakket is niet (meer) te koop." in response.text
    assert cart_lines(db) == []


def test_a_posted_price_changes_nothing(client, db, cheese):
    add(client, product_id=cheese.id, quantity=2, price_cents=1, unit_price_cents=1, total_cents=2, price="0,01")
    page = client.get("/winkelmand")
    assert "€\u00a04,50" in page.text
    assert "€\u00a09,00" in page.text
    assert "0,01" not in page.text


def test_shared_component_is_checked_over_the_whole_cart(client, db, cheese, beer):
    package = make_package([(cheese, 2)], name="Kaasduo")
    db.session.commit()
    add(client, package_id=package.id, quantity=1)
    response = add(client, follow=True, product_id=cheese.id, quantity=2)
    assert "Samen met de rest van je winkelmand kun je nog maar 1 × Hoevekaas nemen." in response.text
    assert cart_lines(db) == [(None, package.id, 1)]


# --- the cart page -------------------------------------------------------------------------------------------


def test_empty_cart_page_links_packages_and_categories(client, db, cheese):
    response = client.get("/winkelmand")
    assert response.status_code == 200
    assert "Je winkelmand is leeg" in response.text
    assert 'href="/pakketten"' in response.text
    assert f'href="/producten?categorie={cheese.category.slug}"' in response.text
    assert "Afrekenen" not in response.text
    assert "lov_cart" not in response.headers.get("Set-Cookie", "")


def test_cart_page_shows_lines_totals_vat_delivery_and_checkout(client, db, cheese, beer):
    package = make_package([(cheese, 1), (beer, 1)], name="Kerstpakket", price_cents=3000)
    db.session.commit()
    add(client, product_id=beer.id, quantity=2)
    add(client, package_id=package.id, quantity=1)

    html = client.get("/winkelmand").text

    assert "<title>Winkelmand · Lekker Oost-Vlaams</title>" in html
    assert f'href="/producten/{beer.slug}">Tripel</a>' in html
    assert f'href="/pakketten/{package.slug}">Kerstpakket</a>' in html
    assert "1 × Hoevekaas, 1 × Tripel" in html
    assert "€\u00a06,00" in html  # 2 × 3,00
    assert "€\u00a036,00" in html  # goods
    # package 30,00 split 18,00 (6 %) / 12,00 (21 %); beer 6,00 at 21 %
    assert re.search(r"6 %</th><td class=\"num\">€\u00a016,98</td><td class=\"num\">€\u00a01,02</td>", html)
    assert re.search(r"21 %</th><td class=\"num\">€\u00a014,88</td><td class=\"num\">€\u00a03,12</td>", html)
    assert "vanaf €\u00a06,95" in html
    assert "Nog €\u00a039,00 tot gratis thuislevering (vanaf €\u00a075,00)." in html
    assert "Die leveren we enkel in Oost-Vlaanderen" in html
    assert 'href="/afrekenen"' in html
    assert 'name="quantity-' in html
    assert "formaction=\"/winkelmand/" in html
    assert header_count(html) == "3 artikelen"


def test_free_delivery_above_the_threshold(client, db):
    product = make_product("Hesp", price_cents=8000, stock=2)
    db.session.commit()
    add(client, product_id=product.id, quantity=1)
    html = client.get("/winkelmand").text
    assert "<dt>Thuislevering</dt>\n          <dd>gratis</dd>" in html
    assert "tot gratis thuislevering" not in html


def test_a_line_that_became_unavailable_is_shown_as_a_problem_without_checkout(client, db, cheese, beer):
    add(client, product_id=cheese.id, quantity=1)
    add(client, product_id=beer.id, quantity=1)
    cheese.status = ProductStatus.HIDDEN
    db.session.commit()
    html = client.get("/winkelmand").text
    assert "Hoevekaas is niet meer te koop. Verwijder het uit je winkelmand." in html
    assert 'href="/afrekenen"' not in html


# --- changing and removing ------------------------------------------------------------------------------------


def _line_id(db) -> int:
    db.session.expire_all()
    return db.session.scalar(select(CartLine.id).order_by(CartLine.id))


def test_change_a_line_quantity(client, db, cheese):
    add(client, product_id=cheese.id, quantity=1)
    response = client.post(f"/winkelmand/{_line_id(db)}/aantal", data={"quantity": "3"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/winkelmand"
    assert cart_lines(db) == [(cheese.id, None, 3)]
    assert "Aantal aangepast: 3 × Hoevekaas." in client.get("/winkelmand").text


@pytest.mark.parametrize(
    ("quantity", "message"),
    [("4", "Er zijn nog maar 3 stuks van Hoevekaas beschikbaar."), ("x", "Vul als aantal een heel getal in."),
     ("-1", "Het aantal kan niet negatief zijn."), ("500", "hoogstens 99 stuks")],
)
def test_change_a_line_quantity_refused(client, db, cheese, quantity, message):
    add(client, product_id=cheese.id, quantity=1)
    response = client.post(f"/winkelmand/{_line_id(db)}/aantal", data={"quantity": quantity}, follow_redirects=True)
    assert message in response.text
    assert cart_lines(db) == [(cheese.id, None, 1)]


def test_quantity_zero_removes_and_remove_button_removes(client, db, cheese, beer):
    add(client, product_id=cheese.id, quantity=1)
    add(client, product_id=beer.id, quantity=1)
    cheese_line = _line_id(db)
    response = client.post(f"/winkelmand/{cheese_line}/aantal", data={"quantity": "0"}, follow_redirects=True)
    assert "Hoevekaas is uit je winkelmand verwijderd." in response.text
    beer_line = _line_id(db)
    response = client.post(f"/winkelmand/{beer_line}/verwijderen", follow_redirects=True)
    assert "Tripel is uit je winkelmand verwijderd." in response.text
    assert "Je winkelmand is leeg" in response.text
    assert cart_lines(db) == []


def test_another_carts_line_answers_404_and_changes_nothing(app, client, db, cheese):
    other = app.test_client()
    add(other, product_id=cheese.id, quantity=2)
    foreign = _line_id(db)
    add(client, product_id=cheese.id, quantity=1)

    assert client.post(f"/winkelmand/{foreign}/aantal", data={"quantity": "1"}).status_code == 404
    assert client.post(f"/winkelmand/{foreign}/verwijderen").status_code == 404
    client.post("/winkelmand/bijwerken", data={f"quantity-{foreign}": "0"})
    assert cart_lines(db) == [(cheese.id, None, 2), (cheese.id, None, 1)]


def test_changing_without_a_cart_answers_404(client, db):
    assert client.post("/winkelmand/1/aantal", data={"quantity": "1"}).status_code == 404
    assert client.post("/winkelmand/1/verwijderen").status_code == 404
    assert client.post("/winkelmand/bijwerken").status_code == 404


def test_update_all_quantities_at_once(client, db, cheese, beer):
    add(client, product_id=cheese.id, quantity=1)
    add(client, product_id=beer.id, quantity=1)
    db.session.expire_all()
    cheese_line, beer_line = db.session.scalars(select(CartLine.id).order_by(CartLine.id)).all()
    response = client.post("/winkelmand/bijwerken", data={f"quantity-{cheese_line}": "2", f"quantity-{beer_line}": "5"})
    assert response.status_code == 303
    assert cart_lines(db) == [(cheese.id, None, 2), (beer.id, None, 5)]


def test_update_all_with_a_bad_value_rerenders_with_the_input_kept(client, db, cheese, beer):
    add(client, product_id=cheese.id, quantity=1)
    add(client, product_id=beer.id, quantity=1)
    db.session.expire_all()
    cheese_line, beer_line = db.session.scalars(select(CartLine.id).order_by(CartLine.id)).all()
    response = client.post("/winkelmand/bijwerken", data={f"quantity-{cheese_line}": "2", f"quantity-{beer_line}": "veel"})
    assert response.status_code == 422
    assert "<title>Fout: Winkelmand · Lekker Oost-Vlaams</title>" in response.text
    assert 'value="veel"' in response.text
    assert f'<a href="#quantity-{beer_line}">Vul als aantal een heel getal in.</a>' in response.text
    assert cart_lines(db) == [(cheese.id, None, 1), (beer.id, None, 1)]


def test_update_all_above_stock_rerenders_with_the_message(client, db, cheese, beer):
    add(client, product_id=cheese.id, quantity=1)
    add(client, product_id=beer.id, quantity=1)
    db.session.expire_all()
    cheese_line, beer_line = db.session.scalars(select(CartLine.id).order_by(CartLine.id)).all()
    response = client.post("/winkelmand/bijwerken", data={f"quantity-{cheese_line}": "9", f"quantity-{beer_line}": "2"})
    assert response.status_code == 422
    assert "Er zijn nog maar 3 stuks van Hoevekaas beschikbaar." in response.text
    assert 'value="9"' in response.text
    assert cart_lines(db) == [(cheese.id, None, 1), (beer.id, None, 1)]


# --- forms on product and package pages, and cards ----------------------------------------------------------


def test_product_page_has_the_add_form_or_says_sold_out(client, db, cheese):
    sold_out = make_product("Boter", stock=0)
    db.session.commit()
    html = client.get(f"/producten/{cheese.slug}").text
    assert 'action="/winkelmand/toevoegen"' in html
    assert f'name="product_id" value="{cheese.id}"' in html
    assert 'max="3"' in html
    assert "Thuislevering vanaf €\u00a06,95, gratis vanaf €\u00a075,00." in html
    html = client.get(f"/producten/{sold_out.slug}").text
    assert 'action="/winkelmand/toevoegen"' not in html
    assert "<strong>Uitverkocht</strong>" in html


def test_package_page_and_cards_have_add_buttons(client, db, cheese, beer):
    package = make_package([(cheese, 1), (beer, 1)], name="Streekpakket")
    db.session.commit()
    html = client.get(f"/pakketten/{package.slug}").text
    assert f'name="package_id" value="{package.id}"' in html
    assert 'id="package-add-quantity"' in html
    listing = client.get("/pakketten").text
    assert f'name="package_id" value="{package.id}"' in listing
    products = client.get("/producten").text
    assert f'name="product_id" value="{cheese.id}"' in products
    assert 'name="next" value="/producten"' in products
