"""The checkout pages through the test client: validation (422), review, placing, tampering, shortages."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, select

from shop.cart.models import CartLine
from shop.catalog.models import Product
from shop.inventory.models import MovementReason
from shop.inventory.services import adjust_stock
from shop.orders.models import Order, OrderStatus
from shop.scheduling.days import pickup_days
from tests.factories import make_locality, make_order_cart, make_package, make_product


def _with_cart(client, db, *items):
    cart = make_order_cart(*items)
    db.session.commit()
    client.set_cookie("lov_cart", cart.token)
    return cart


def _pickup_form(**overrides):
    form = {"email": "an@voorbeeld.be", "name": "An Peeters", "phone": "", "method": "pickup",
            "pickup_date": pickup_days()[0].isoformat()}
    form.update(overrides)
    return form


def _delivery_form(**overrides):
    form = {"email": "an@voorbeeld.be", "name": "An Peeters", "method": "delivery", "recipient_name": "Jan Peeters",
            "street": "Veldstraat 1", "postcode": "9000", "city": "Gent", "desired_date": ""}
    form.update(overrides)
    return form


def _text(response) -> str:
    """The page with non-breaking spaces (Babel puts one after €) as plain spaces."""
    return response.get_data(as_text=True).replace("\xa0", " ")


def _orders(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Order))


def test_empty_cart_goes_back_to_the_cart(client):
    response = client.get("/afrekenen")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/winkelmand")
    assert "Je winkelmand is leeg" in _text(client.get("/winkelmand"))


def test_a_cart_emptied_by_another_placing_after_it_was_priced_is_not_ordered_again(client, db, monkeypatch):
    # Both clicks on "pay" priced the cart with its lines; the second, priced before the first had emptied it,
    # ordered those lines again: a second order taking the stock again.
    from shop.checkout import services

    cheese = make_product("Oude Brugge", price_cents=1250, stock=10)
    cart = _with_cart(client, db, (cheese, 2))
    assert client.post("/afrekenen", data=_pickup_form()).status_code == 303
    check = services.check_cart

    def checked_then_the_other_click_empties_it(*args, **kwargs):
        check(*args, **kwargs)
        db.session.execute(delete(CartLine).where(CartLine.cart_id == cart.id))  # its order placed meanwhile
        db.session.flush()

    monkeypatch.setattr(services, "check_cart", checked_then_the_other_click_empties_it)

    placed = client.post("/afrekenen/overzicht", data={"accept_terms": "y"})

    assert placed.status_code == 303 and placed.headers["Location"].endswith("/winkelmand")
    assert "Je winkelmand is leeg." in _text(client.get("/winkelmand"))
    assert _orders(db) == 0
    db.session.expire_all()
    assert db.session.get(Product, cheese.id).stock == 10


def test_form_page_shows_every_fieldset_without_javascript(client, db):
    _with_cart(client, db, (make_product("Kaas", price_cents=1250, stock=5), 2))
    response = client.get("/afrekenen")
    html = _text(response)
    assert response.status_code == 200
    assert 'type="email"' in html and 'type="tel"' in html
    assert 'inputmode="numeric"' in html
    for name in ("pickup_date", "recipient_name", "postcode", "gift_message", "company_name", "vat_number", "billing_city"):
        assert f'name="{name}"' in html
    first = pickup_days()[0].isoformat()
    assert f'<option selected value="{first}">' in html
    assert "Maximaal 300 tekens" in html
    assert "Alleen voor de koerier" in html


def test_nothing_filled_in_answers_422_with_messages(client, db):
    _with_cart(client, db, (make_product(stock=5), 1))
    response = client.post("/afrekenen", data={})
    html = _text(response)
    assert response.status_code == 422
    assert "<title>Fout: Afrekenen" in html
    assert "Geef je e-mailadres, zoals naam@voorbeeld.be." in html
    assert "Geef je naam." in html
    assert "Kies of je je bestelling afhaalt of laat leveren." in html
    assert 'href="#email"' in html


@pytest.mark.parametrize("postcode", ["B-9000", "900", "90000"])
def test_bad_postcode_is_refused_and_input_kept(client, db, postcode):
    make_locality("9000", "Gent")
    _with_cart(client, db, (make_product(stock=5), 1))
    response = client.post("/afrekenen", data=_delivery_form(postcode=postcode, street="Kouter 12"))
    html = _text(response)
    assert response.status_code == 422
    assert "Geef een Belgische postcode, zoals 9000." in html
    assert 'value="Kouter 12"' in html


def test_perishables_outside_the_province_are_explained(client, db):
    make_locality("9000", "Gent")
    _with_cart(client, db, (make_product("Verse kaas", perishable=True, stock=5), 1))
    response = client.post("/afrekenen", data=_delivery_form(postcode="2000", city="Antwerpen"))
    assert response.status_code == 422
    assert "Die leveren we alleen in Oost-Vlaanderen" in _text(response)


def test_bad_vat_number_and_missing_company_fields(client, db):
    _with_cart(client, db, (make_product(stock=5), 1))
    response = client.post("/afrekenen", data=_pickup_form(is_company="y", vat_number="BE 0123.456.748"))
    html = _text(response)
    assert response.status_code == 422
    assert "Dit btw-nummer klopt niet" in html
    assert "Geef de naam van het bedrijf." in html


def test_company_fields_are_ignored_without_the_checkbox(client, db):
    _with_cart(client, db, (make_product(stock=5), 1))
    response = client.post("/afrekenen", data=_pickup_form(vat_number="rommel"))
    assert response.status_code == 303


def test_gift_message_longer_than_300_is_refused(client, db):
    _with_cart(client, db, (make_product(stock=5), 1))
    response = client.post("/afrekenen", data=_pickup_form(is_gift="y", gift_message="x" * 301))
    assert response.status_code == 422
    assert "Je boodschap is 301 tekens lang; het maximum is 300." in _text(response)


def test_pickup_day_gone_preselects_the_next_day(client, db):
    _with_cart(client, db, (make_product(stock=5), 1))
    gone = date.today() - timedelta(days=1)
    response = client.post("/afrekenen", data=_pickup_form(pickup_date=gone.isoformat()))
    html = _text(response)
    assert response.status_code == 422
    assert "Op deze dag kun je niet meer afhalen." in html
    assert f'<option selected value="{pickup_days()[0].isoformat()}">' in html


def test_undeliverable_desired_day(client, db):
    make_locality("9000", "Gent")
    _with_cart(client, db, (make_product(stock=5), 1))
    monday = next(d for d in (date.today() + timedelta(days=n) for n in range(3, 10)) if d.weekday() == 0)
    response = client.post("/afrekenen", data=_delivery_form(desired_date=monday.isoformat()))
    assert response.status_code == 422
    assert "Op deze dag kunnen we niet leveren." in _text(response)


def test_review_shows_lines_fee_vat_total_and_the_pay_button(client, db):
    make_locality("9000", "Gent")
    _with_cart(client, db, (make_product("Oude Brugge", price_cents=1250, stock=5), 2))
    response = client.post("/afrekenen", data=_delivery_form(is_gift="y", gift_message="Proficiat!"))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/afrekenen/overzicht")
    html = _text(client.get("/afrekenen/overzicht"))
    assert "Oude Brugge" in html
    assert "€ 25,00" in html  # goods
    assert '<td class="num" id="review-fee">€ 6,95</td>' in html
    assert '<td class="num" id="review-total">€ 31,95</td>' in html
    # 6 % on goods and fee together: 3195 gross → 181 VAT
    assert "waarvan btw 6 % op € 30,14" in html and "€ 1,81" in html
    assert "Proficiat!" in html
    assert "Veldstraat 1" in html
    assert html.count(">Wijzig<") >= 3
    assert "Betaal € 31,95 via Stripe (demo)" in html
    assert "14 dagen herroepingsrecht" in html


def test_review_without_saved_data_goes_to_the_form(client, db):
    _with_cart(client, db, (make_product(stock=5), 1))
    response = client.get("/afrekenen/overzicht")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/afrekenen")


def test_terms_must_be_accepted(client, db):
    _with_cart(client, db, (make_product(stock=5), 1))
    client.post("/afrekenen", data=_pickup_form())
    response = client.post("/afrekenen/overzicht", data={})
    assert response.status_code == 422
    assert "Aanvaard de algemene voorwaarden om te kunnen betalen." in _text(response)
    assert _orders(db) == 0


def test_placing_the_order_redirects_to_the_payment_page(client, db):
    product = make_product("Mosterd", price_cents=450, stock=5)
    _with_cart(client, db, (product, 2))
    client.post("/afrekenen", data=_pickup_form())
    response = client.post("/afrekenen/overzicht", data={"accept_terms": "y"})
    order = db.session.scalars(select(Order)).one()
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/betalen/demo/{order.status_token}")
    assert (order.status, order.total_cents, order.email) == (OrderStatus.PENDING_PAYMENT, 900, "an@voorbeeld.be")
    assert order.payment_session_id.startswith("demo_") and order.number not in order.payment_session_id
    assert db.session.get(Product, product.id).stock == 3
    assert db.session.scalar(select(func.count()).select_from(CartLine)) == 0


def test_tampered_prices_and_quantities_change_nothing(client, db):
    product = make_product("Jenever", price_cents=2400, stock=5)
    package = make_package([(make_product(stock=5), 1)], price_cents=3500)
    _with_cart(client, db, (product, 1), (package, 1))
    tampered = {"unit_price_cents": "1", "price_cents": "1", "total_cents": "1", "quantity": "5",
                "goods_cents": "1", "delivery_fee_cents": "0", "product_id": str(product.id)}
    client.post("/afrekenen", data=_pickup_form(**tampered))
    response = client.post("/afrekenen/overzicht", data={"accept_terms": "y", **tampered})
    assert response.status_code == 303
    order = db.session.scalars(select(Order)).one()
    assert [(line.quantity, line.unit_price_cents) for line in order.lines] == [(1, 2400), (1, 3500)]
    assert order.total_cents == 5900


def test_stock_gone_between_review_and_pay(client, db):
    product = make_product("Laatste taart", stock=2)
    _with_cart(client, db, (product, 2))
    client.post("/afrekenen", data=_pickup_form())
    assert client.get("/afrekenen/overzicht").status_code == 200
    adjust_stock(product.id, -1, MovementReason.ORDER, note="iemand anders")
    db.session.commit()
    response = client.post("/afrekenen/overzicht", data={"accept_terms": "y"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/winkelmand")
    assert _orders(db) == 0
    assert db.session.scalar(select(func.count()).select_from(CartLine)) == 1
    assert "Laatste taart" in _text(client.get("/winkelmand"))


def test_payment_that_cannot_start_cancels_the_order_and_refills_the_cart(app, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_unreachable")
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", "http://127.0.0.1:9")
    monkeypatch.setitem(app.config, "STRIPE_MAX_NETWORK_RETRIES", 0)
    product = make_product("Peperkoek", price_cents=700, stock=4)
    _with_cart(client, db, (product, 3))
    client.post("/afrekenen", data=_pickup_form())
    response = client.post("/afrekenen/overzicht", data={"accept_terms": "y"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/afrekenen/overzicht")
    order = db.session.scalars(select(Order)).one()
    assert order.status == OrderStatus.CANCELLED
    assert [t.to_status for t in order.transitions] == [OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED]
    assert db.session.get(Product, product.id).stock == 4
    assert [(line.product_id, line.quantity) for line in db.session.scalars(select(CartLine))] == [(product.id, 3)]
    html = _text(client.get("/afrekenen/overzicht"))
    assert "De betaling kon niet gestart worden; er is niets aangerekend. Probeer opnieuw." in html
    assert "Betaal € 21,00 via Stripe" in html


def test_pickup_day_gone_before_review_goes_back_with_the_next_day(client, db):
    _with_cart(client, db, (make_product(stock=5), 1))
    client.post("/afrekenen", data=_pickup_form())
    with client.session_transaction() as session:
        session["checkout"]["pickup_date"] = (date.today() - timedelta(days=1)).isoformat()
        session.modified = True
    response = client.get("/afrekenen/overzicht")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/afrekenen")
    html = _text(client.get("/afrekenen"))
    assert "Op deze dag kun je niet meer afhalen." in html
    assert f'<option selected value="{pickup_days()[0].isoformat()}">' in html
    assert 'value="an@voorbeeld.be"' in html


def test_full_purchase_through_the_demo_payment_page(client, db):
    package = make_package([(make_product("Gentse neuzen", price_cents=500, stock=5), 2)], price_cents=1800, name="Gents pakket")
    _with_cart(client, db, (package, 1))
    client.post("/afrekenen", data=_pickup_form())
    pay_url = client.post("/afrekenen/overzicht", data={"accept_terms": "y"}).headers["Location"]
    response = client.post(pay_url, data={"action": "pay"})
    order = db.session.scalars(select(Order)).one()
    assert response.status_code in (302, 303)
    assert response.headers["Location"].endswith(f"/bestelling/{order.status_token}")
    html = _text(client.get(response.headers["Location"]))
    assert order.number in html
    assert "Betaald" in html
    assert "Gents pakket" in html and "2 × Gentse neuzen" in html
