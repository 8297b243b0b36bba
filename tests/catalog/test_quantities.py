"""The net quantity beside a product's unit: said once, in the unit's own words."""

from decimal import Decimal

from shop.catalog.models import NetUnit
from shop.catalog.quantities import stated_quantities, unit_repeats_net_quantity
from tests.factories import make_package, make_product


def test_stated_quantities_read_weights_and_volumes_with_a_decimal_comma_or_point():
    assert stated_quantities("6 x 33 cl") == [(NetUnit.MILLILITRE, Decimal(330), "33 cl")]
    assert stated_quantities("ca. 1,2 kg") == [(NetUnit.GRAM, Decimal("1200.0"), "1,2 kg")]
    assert stated_quantities("4 stuks, ca. 600 g") == [(NetUnit.GRAM, Decimal(600), "600 g")]
    assert stated_quantities("3 l bag-in-box") == [(NetUnit.MILLILITRE, Decimal(3000), "3 l")]
    assert stated_quantities("per stuk") == []
    assert stated_quantities("1.5l") == [(NetUnit.MILLILITRE, Decimal("1500.0"), "1.5l")]
    assert stated_quantities("12 glazen") == []  # "g" only as a word of its own


def test_the_unit_repeats_the_net_quantity_when_it_states_the_same_amount_in_any_form():
    assert unit_repeats_net_quantity("720 ml", 720, NetUnit.MILLILITRE)
    assert unit_repeats_net_quantity("37,5 cl", 375, NetUnit.MILLILITRE)
    assert unit_repeats_net_quantity("ca. 500 g", 500, NetUnit.GRAM)
    assert unit_repeats_net_quantity("per stuk (200 g)", 200, NetUnit.GRAM)
    assert unit_repeats_net_quantity("per stuk", 1, NetUnit.PIECE)  # pieces: the unit says what a piece is
    assert not unit_repeats_net_quantity("6 x 33 cl", 1980, NetUnit.MILLILITRE)
    assert not unit_repeats_net_quantity("een pot", 370, NetUnit.GRAM)
    assert not unit_repeats_net_quantity("500 ml", 500, NetUnit.GRAM)  # another kind of amount


def test_a_card_says_the_quantity_once_when_unit_and_net_quantity_agree(client, db):
    make_product("Appelsap", unit="720 ml", net_quantity=720, net_unit=NetUnit.MILLILITRE)
    make_product("Pils", unit="6 x 33 cl", net_quantity=1980, net_unit=NetUnit.MILLILITRE)
    db.session.commit()
    html = client.get("/producten").text
    assert '<p class="card__meta product-card__unit">720 ml</p>' in html
    assert '<p class="card__meta product-card__unit">6 x 33 cl · 1,98 l</p>' in html
    assert "72 cl" not in html


def test_the_product_page_says_the_net_quantity_in_the_units_words(client, db):
    juice = make_product("Appelsap", unit="720 ml", net_quantity=720, net_unit=NetUnit.MILLILITRE)
    beer = make_product("Pils", unit="6 x 33 cl", net_quantity=1980, net_unit=NetUnit.MILLILITRE)
    db.session.commit()
    html = client.get(f"/producten/{juice.slug}").text
    assert '<span class="price__unit">720 ml</span>' in html
    assert "<dd>720 ml</dd>" in html
    assert "72 cl" not in html and "netto" not in html.split('class="price__unit"')[1].split("</span>")[0]
    html = client.get(f"/producten/{beer.slug}").text
    assert '<span class="price__unit">6 x 33 cl (netto 1,98 l)</span>' in html


def test_a_package_lists_each_item_with_its_quantity_once(client, db):
    juice = make_product("Appelsap", unit="720 ml", net_quantity=720, net_unit=NetUnit.MILLILITRE)
    package = make_package([(juice, 1)], name="Ontbijtpakket")
    db.session.commit()
    html = client.get(f"/pakketten/{package.slug}").text
    assert '<p class="package-item__unit small muted">720 ml</p>' in html
    assert "72 cl" not in html
