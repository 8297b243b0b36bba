"""Checking out as a company: purchase-order reference and Peppol id, the same rules and messages as the company
profile, the profile's pre-fill, the review step, and prices excluding VAT for an account that chose them."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shop.accounts.company import InvalidCompanyDetails
from shop.catalog.models import Product
from shop.checkout.services import place_order
from shop.core.vat_number import InvalidPurchaseOrder
from shop.extensions import db as _db
from shop.orders.models import Order
from shop.scheduling.days import pickup_days
from tests.factories import (
    log_in_as,
    make_company_customer,
    make_locality,
    make_order,
    make_order_cart,
    make_order_data,
    make_product,
    make_user,
)

COMPANY = dict(is_company=True, company_name="Brouwerij Het Anker Gent bv", vat_number="BE0123456749",
               billing_street="Korenmarkt 1", billing_postcode="9000", billing_city="Gent")


def _orders() -> int:
    return _db.session.scalar(select(func.count()).select_from(Order))


# --- place_order -------------------------------------------------------------------------------------------------


def test_a_company_order_keeps_the_po_reference_and_the_default_peppol_id(db):
    order = make_order(data=make_order_data(**COMPANY, purchase_order="  PO 2026/17 "))
    assert (order.company_name, order.vat_number, order.enterprise_number) == (
        "Brouwerij Het Anker Gent bv", "BE0123456749", "0123456749")
    assert (order.purchase_order, order.peppol_id) == ("PO 2026/17", "0208:0123456749")


@pytest.mark.parametrize(("typed", "stored"), [("0208:0123.456.749", "0208:0123456749"),
                                               ("9925:be0123456749", "9925:BE0123456749")])
def test_a_given_peppol_id_is_stored_normalised(db, typed, stored):
    assert make_order(data=make_order_data(**COMPANY, peppol_id=typed)).peppol_id == stored


def test_a_consumer_order_has_no_company_data_whatever_the_data_hold(db):
    order = make_order(data=make_order_data(purchase_order="PO 1", peppol_id="0208:0123456749",
                                            vat_number="BE0123456749"))
    assert (order.vat_number, order.purchase_order, order.peppol_id, order.is_company) == ("", "", "", False)


@pytest.mark.parametrize(("changes", "error"), [
    ({"purchase_order": "x" * 51}, InvalidPurchaseOrder),
    ({"peppol_id": "0208:0207725104"}, InvalidCompanyDetails),
    ({"billing_city": ""}, InvalidCompanyDetails),
])
def test_bad_company_data_place_nothing(db, changes, error):
    product = make_product(stock=5)
    cart = make_order_cart((product, 2))
    db.session.commit()
    with pytest.raises(error):
        place_order(cart, make_order_data(**{**COMPANY, **changes}))
    db.session.rollback()
    assert _orders() == 0
    assert db.session.get(Product, product.id).stock == 5


# --- the pages ---------------------------------------------------------------------------------------------------


def _with_cart(client, db, *items):
    cart = make_order_cart(*items)
    db.session.commit()
    client.set_cookie("lov_cart", cart.token)
    return cart


def _company_form(**overrides):
    form = {"email": "els@anker.be", "name": "Els Peeters", "method": "pickup", "pickup_date": pickup_days()[0].isoformat(),
            "is_company": "y", "company_name": "Brouwerij Het Anker Gent bv", "vat_number": "BE 0123.456.749",
            "billing_street": "Korenmarkt 1", "billing_postcode": "9000", "billing_city": "Gent",
            "purchase_order": "PO 2026/17", "peppol_id": ""}
    form.update(overrides)
    return form


def _text(response) -> str:
    return response.get_data(as_text=True).replace("\xa0", " ")


def test_the_company_block_asks_po_reference_and_peppol_id_and_names_the_withdrawal_right(client, db):
    _with_cart(client, db, (make_product(stock=5), 1))
    html = _text(client.get("/afrekenen"))
    assert '<label for="purchase_order">Bestelbonnummer <span class="field__optional">(optioneel)</span></label>' in html
    assert '<label for="peppol_id">Peppol-adres voor e-facturen <span class="field__optional">(optioneel)</span></label>' in html
    assert "Een bestelling van een bedrijf valt niet onder het herroepingsrecht" in html
    assert '<input data-reveals="company-details" id="is_company" name="is_company" type="checkbox" value="y">' in html


def test_a_guest_checks_out_as_a_company(client, db):
    _with_cart(client, db, (make_product("Mosterd", price_cents=450, stock=5), 2))
    response = client.post("/afrekenen", data=_company_form())
    assert response.status_code == 303
    html = _text(client.get("/afrekenen/overzicht"))
    assert ("<dd>Brouwerij Het Anker Gent bv<br>Btw-nummer BE 0123.456.749<br>Korenmarkt 1<br>9000 Gent"
            "<br>Bestelbon: PO 2026/17\n          <br>Peppol-adres: 0208:0123456749</dd>") in html
    assert '<a href="/afrekenen#company">Wijzig<span class="visually-hidden"> factuurgegevens</span></a>' in html
    assert "Je bestelt als bedrijf: het herroepingsrecht geldt niet" in html
    assert "14 dagen herroepingsrecht" not in html
    assert "excl. btw" not in html  # a guest sees prices incl. VAT

    response = client.post("/afrekenen/overzicht", data={"accept_terms": "y"})
    assert response.status_code == 303
    order = db.session.scalars(select(Order)).one()
    assert (order.company_name, order.vat_number, order.billing_street, order.purchase_order, order.peppol_id) == (
        "Brouwerij Het Anker Gent bv", "BE0123456749", "Korenmarkt 1", "PO 2026/17", "0208:0123456749")
    assert order.user_id is None and order.total_cents == 900


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"purchase_order": "x" * 51}, "purchase_order", "Een bestelbonnummer is hoogstens 50 tekens lang."),
    ({"purchase_order": "PO\u200b17"}, "purchase_order", "Een bestelbonnummer mag alleen gewone tekens bevatten."),
    ({"peppol_id": "0208:0207725104"}, "peppol_id",
     "Het Peppol-adres 0208:… moet het ondernemingsnummer van het bedrijf dragen: 0208:0123456749. "
     "Laat het veld leeg om dat te gebruiken."),
    ({"vat_number": "BE 0123.456.748"}, "vat_number",
     "Dit btw-nummer klopt niet: de laatste twee cijfers zijn een controlegetal. Kijk het nummer na."),
    ({"billing_street": ""}, "billing_street", "Geef de straat en het huisnummer van het facturatieadres."),
    ({"billing_postcode": ""}, "billing_postcode", "Geef een Belgische postcode, zoals 9000."),
    ({"billing_city": ""}, "billing_city", "Geef de gemeente van het facturatieadres."),
    ({"company_name": "Anker\nbv"}, "company_name", "Gebruik in dit veld alleen gewone tekens, zonder tabs of regeleinden."),
    ({"company_name": "x" * 161}, "company_name", "Geef een bedrijfsnaam van hoogstens 160 tekens."),
])
def test_bad_company_input_is_shown_at_its_field_and_nothing_is_placed(client, db, changes, field, message):
    _with_cart(client, db, (make_product(stock=5), 1))
    response = client.post("/afrekenen", data=_company_form(**changes))
    html = _text(response)
    assert response.status_code == 422
    assert "<title>Fout: Afrekenen" in html
    assert f'<li><a href="#{field}">{message}</a></li>' in html
    assert f'<p class="field__error" id="{field}-error"><span class="visually-hidden">Fout: </span>{message}</p>' in html
    # nothing was kept for the review step, so nothing can be placed
    assert client.get("/afrekenen/overzicht").headers["Location"].endswith("/afrekenen")
    assert client.post("/afrekenen/overzicht", data={"accept_terms": "y"}).status_code == 303
    assert _orders() == 0


def test_the_company_profile_pre_fills_and_ticks_the_company_block(client, db):
    user = make_company_customer(peppol_id="9925:BE0123456749")
    _with_cart(client, db, (make_product(stock=5), 1))
    log_in_as(client, user)
    html = _text(client.get("/afrekenen"))
    assert '<input checked data-reveals="company-details" id="is_company" name="is_company" type="checkbox" value="y">' in html
    for value in ("Brouwerij Het Anker Gent bv", "BE0123456749", "Korenmarkt 1", "9000", "Gent", "9925:BE0123456749"):
        assert f'value="{value}"' in html, value


def test_a_consumer_account_gets_no_company_block_ticked(client, db):
    user = make_user()
    _with_cart(client, db, (make_product(stock=5), 1))
    log_in_as(client, user)
    html = _text(client.get("/afrekenen"))
    assert '<input data-reveals="company-details" id="is_company" name="is_company" type="checkbox" value="y">' in html


def test_what_was_typed_wins_over_the_profile_when_coming_back_to_change(client, db):
    user = make_company_customer()
    _with_cart(client, db, (make_product(stock=5), 1))
    log_in_as(client, user)
    client.post("/afrekenen", data=_company_form(company_name="Het Anker Brugge bv", purchase_order="PO 9"))
    html = _text(client.get("/afrekenen"))
    assert 'value="Het Anker Brugge bv"' in html and 'value="PO 9"' in html


def test_review_for_prices_excl_vat_shows_net_vat_per_rate_and_the_same_total(client, db):
    make_locality("9000", "Gent")
    user = make_company_customer()
    _with_cart(client, db, (make_product("Hoevekaas", price_cents=1060, stock=5), 2))
    log_in_as(client, user)
    form = _company_form(method="delivery", recipient_name="Els Peeters", street="Veldstraat 1", postcode="9000",
                         city="Gent", desired_date="")
    assert client.post("/afrekenen", data=form).status_code == 303
    html = _text(client.get("/afrekenen/overzicht"))
    # goods 21,20 (net 20,00) + delivery 6,95 = 28,15 at 6 %: VAT 1,59 on 26,56; the fee's net is 6,56
    assert '<td class="num"><span class="price__net">€ 10,00 excl. btw</span></td>' in html
    assert '<td class="num"><span class="price__net">€ 20,00 excl. btw</span></td>' in html
    assert '<tr><th scope="row" colspan="3">Producten excl. btw</th><td class="num">€ 20,00</td></tr>' in html
    assert '<th scope="row" colspan="3">Levering excl. btw</th><td class="num" id="review-fee">€ 6,56</td>' in html
    assert '<td class="num" id="review-net">€ 26,56</td>' in html
    assert '<tr><th scope="row" colspan="3">Btw 6 % op € 26,56</th><td class="num">€ 1,59</td></tr>' in html
    assert ('<tr class="checkout-total"><th scope="row" colspan="3">Totaal incl. btw (te betalen)</th>'
            '<td class="num" id="review-total">€ 28,15</td></tr>') in html
    assert "Betaal € 28,15 via Stripe (demo)" in html

    client.post("/afrekenen/overzicht", data={"accept_terms": "y"})
    order = db.session.scalars(select(Order)).one()
    assert (order.total_cents, order.user_id, order.peppol_id) == (2815, user.id, "0208:0123456749")
