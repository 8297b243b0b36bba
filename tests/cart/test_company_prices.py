"""The cart of a company account that sees prices excluding VAT: net per line and in the summary, the gross total
beside it; the same cart for a guest shows the prices incl. VAT as always."""

from __future__ import annotations

import pytest

from tests.factories import (
    log_in_as,
    make_company_customer,
    make_order_cart,
    make_package,
    make_product,
    make_vat_category,
)


@pytest.fixture
def cart(db):
    cheese = make_product("Hoevekaas", price_cents=1060, stock=10)
    gin = make_product("Graanjenever", price_cents=1210, vat=make_vat_category("alcohol", 21), stock=10)
    package = make_package([(cheese, 1), (gin, 1)], name="Kerstpakket", price_cents=2000)
    cart = make_order_cart((cheese, 2), (package, 1))
    db.session.commit()
    return cart


def _cart_page(client, cart) -> str:
    client.set_cookie("lov_cart", cart.token)
    response = client.get("/winkelmand")
    assert response.status_code == 200
    return response.get_data(as_text=True).replace("\xa0", " ")


def test_company_cart_shows_net_prices_and_the_gross_total(client, db, cart):
    user = make_company_customer()
    db.session.commit()
    log_in_as(client, user)
    html = _cart_page(client, cart)
    # cheese: 10,60 (net 10,00) per piece, 21,20 (net 20,00) for two; the package: 20,00 (net 17,62)
    assert ('<span class="visually-hidden">Prijs per stuk:</span> <span class="price__net">€ 10,00 excl. btw</span> '
            '<span class="price__gross">(€ 10,60 incl. btw)</span>') in html
    assert '<span class="visually-hidden">Totaal:</span> <span class="price__net">€ 20,00 excl. btw</span>' in html
    assert '<span class="visually-hidden">Totaal:</span> <span class="price__net">€ 17,62 excl. btw</span>' in html
    # goods 41,20: 30,54 at 6 % (VAT 1,73) and 10,66 at 21 % (VAT 1,85) → net 37,62
    assert ('<dt>Totaal zonder levering</dt><dd><span class="price__net">€ 37,62 excl. btw</span> '
            '<span class="price__gross">(€ 41,20 incl. btw)</span></dd>') in html
    assert '<tr><th scope="row">6 %</th><td class="num">€ 28,81</td><td class="num">€ 1,73</td></tr>' in html
    assert '<tr><th scope="row">21 %</th><td class="num">€ 8,81</td><td class="num">€ 1,85</td></tr>' in html


def test_guest_cart_shows_prices_incl_vat(client, db, cart):
    html = _cart_page(client, cart)
    assert "excl. btw</span>" not in html
    assert '<dt>Totaal zonder levering</dt><dd>€ 41,20</dd>' in html
    assert '<span class="visually-hidden">Prijs per stuk:</span> € 10,60 <span' in html
