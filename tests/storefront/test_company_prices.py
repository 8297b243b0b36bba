"""Prices excluding VAT for a company account that chose them, on every catalogue page; guests and consumers see
what they always saw, and a company's visit never changes what the next guest gets."""

from __future__ import annotations

import re

import pytest

from shop.catalog.models import NetUnit
from tests.factories import (
    log_in_as,
    make_company_customer,
    make_package,
    make_producer,
    make_product,
    make_user,
    make_vat_category,
)
from tests.helpers import next_request_is_new

# 10,60 at 6 % holds 0,60 VAT; 12,10 at 21 % holds 2,10. Per kg: 500 g of cheese → 21,20/kg, net 20,00.
# The package (20,00) is split over its components as the cart and the invoice split it, in proportion to their
# list prices 10,60 and 12,10: 9,34 at 6 % (VAT 0,53) and 10,66 at 21 % (VAT 1,85), so its net is 17,62.
CHEESE_NET, CHEESE_GROSS = "€ 10,00 excl. btw", "(€ 10,60 incl. btw)"
GIN_NET, GIN_GROSS = "€ 10,00 excl. btw", "(€ 12,10 incl. btw)"
PACKAGE_NET, PACKAGE_GROSS = "€ 17,62 excl. btw", "(€ 20,00 incl. btw)"


@pytest.fixture
def shop(db):
    producer = make_producer("Hoeve Dierickx", slug="hoeve-dierickx")
    cheese = make_product("Hoevekaas", producer=producer, price_cents=1060, net_quantity=500, net_unit=NetUnit.GRAM,
                          unit="500 g", slug="hoevekaas")
    gin = make_product("Graanjenever", producer=producer, price_cents=1210, vat=make_vat_category("alcohol", 21),
                       net_quantity=500, unit="50 cl", slug="graanjenever")
    package = make_package([(cheese, 1), (gin, 1)], name="Kerstpakket", slug="kerstpakket", price_cents=2000)
    db.session.commit()
    return dict(producer=producer, cheese=cheese, gin=gin, package=package)


PAGES = ["/", "/producten", "/producten/hoevekaas", "/producten/graanjenever", "/pakketten", "/pakketten/kerstpakket",
         "/producenten/hoeve-dierickx"]


def _text(response) -> str:
    """The page with Babel's no-break space after € as a plain space."""
    assert response.status_code == 200
    return response.get_data(as_text=True).replace("\xa0", " ")


def _as_company(client, db, **profile):
    user = make_company_customer(**profile)
    db.session.commit()
    log_in_as(client, user)
    return user


def test_product_list_cards_show_the_net_with_the_gross_apart(client, db, shop):
    _as_company(client, db)
    html = _text(client.get("/producten"))
    assert f'<span class="price__net">{CHEESE_NET}</span> <span class="price__gross">{CHEESE_GROSS}</span>' in html
    assert f'<span class="price__net">{GIN_NET}</span> <span class="price__gross">{GIN_GROSS}</span>' in html
    assert '<span class="price__per-kg"><span class="price__net">€ 20,00/kg excl. btw</span></span>' in html
    assert "€ 10,60</p>" not in html


def test_product_page_shows_the_net_and_the_vat(client, db, shop):
    _as_company(client, db)
    html = _text(client.get("/producten/hoevekaas"))
    assert f'<span class="price__net">{CHEESE_NET}</span> <span class="price__gross">{CHEESE_GROSS}</span>' in html
    assert "Prijs exclusief 6 % btw; de btw is € 0,60" in html
    assert "Prijs inclusief" not in html
    assert "Koop je als bedrijf, dan geldt het herroepingsrecht niet" in html
    gin = _text(client.get("/producten/graanjenever"))
    assert "Prijs exclusief 21 % btw; de btw is € 2,10" in gin


def test_package_list_and_page_split_the_price_over_the_components_rates(client, db, shop):
    _as_company(client, db)
    cards = _text(client.get("/pakketten"))
    assert f'<span class="price__net">{PACKAGE_NET}</span> <span class="price__gross">{PACKAGE_GROSS}</span>' in cards
    page = _text(client.get("/pakketten/kerstpakket"))
    assert (f'<p class="price package-hero__price"><span class="price__net">{PACKAGE_NET}</span> '
            f'<span class="price__gross">{PACKAGE_GROSS}</span></p>') in page
    # Loose: 10,60 + 12,10 = 22,70 (net 20,00): 2,70 saved (net 2,38).
    assert ('Los gekocht kosten deze producten samen <span class="price__net">€ 20,00 excl. btw</span>: '
            'je bespaart <span class="price__net">€ 2,38 excl. btw</span>.') in page


def test_home_and_producer_pages_show_the_net(client, db, shop):
    _as_company(client, db)
    assert f'<span class="price__net">{CHEESE_NET}</span>' in _text(client.get("/producenten/hoeve-dierickx"))
    home = _text(client.get("/"))
    assert "excl. btw" in home and "€ 10,60</p>" not in home


@pytest.mark.parametrize("who", ["guest", "consumer", "company that keeps prices incl. VAT"])
def test_everyone_else_sees_prices_incl_vat(client, db, shop, who):
    if who == "consumer":
        user = make_user()
        db.session.commit()
        log_in_as(client, user)
    elif who != "guest":
        _as_company(client, db, prices_excl_vat=False)
    for url in PAGES:
        assert "excl. btw" not in _text(client.get(url)), url
    assert '<span class="visually-hidden">Prijs:</span> € 10,60' in _text(client.get("/producten"))
    assert "Prijs inclusief 6 % btw" in _text(client.get("/producten/hoevekaas"))


def _page(client, url) -> str:
    """The page with the CSRF tokens (different for every session) blanked out."""
    return re.sub(r'(name="csrf_token" value=")[^"]*', r"\1", client.get(url).get_data(as_text=True))


def test_a_company_visit_does_not_change_what_guests_get(app, db, shop):
    guest, company = app.test_client(), app.test_client()
    before = {url: _page(guest, url) for url in PAGES}

    _as_company(company, db)
    for url in PAGES:
        next_request_is_new("cart", "cart_item_count", "csrf_token")
        assert "excl. btw" in _page(company, url), url

    for url in PAGES:
        next_request_is_new("cart", "cart_item_count", "csrf_token")
        assert _page(guest, url) == before[url], url
