"""The home page: what the shop is, featured packages, products in season, regions and categories."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from flask_babel import refresh
from sqlalchemy import select

from shop.catalog.models import ALL_MONTHS_MASK, Municipality
from shop.packages.queries import shop_today
from tests import helpers
from tests.factories import (
    make_category,
    make_municipality,
    make_occasion,
    make_package,
    make_producer,
    make_product,
    make_region,
)


@contextmanager
def count_queries(db):
    """The SQL statements run inside the block. The tests' requests share the test's app context and so
    its session: start from an empty one, so that nothing comes for free from earlier requests."""
    db.session.remove()
    with helpers.count_queries(db.engine) as statements:
        yield statements


def switch_language(client, code: str) -> None:
    """Choose a language like a visitor does. The tests' requests share one app context, where
    Flask-Babel caches the locale, so drop that cache too."""
    client.get(f"/taal/{code}")
    refresh()


def this_month_only() -> int:
    return 1 << (shop_today().month - 1)


def other_months_only() -> int:
    return ALL_MONTHS_MASK & ~this_month_only()


@pytest.fixture
def shop(db):
    waasland = make_region("waasland", "Waasland", translations={"fr": {"name": "Pays de Waes"}, "en": {"name": "Waasland"}})
    make_region("leiestreek", "Leiestreek")  # no producers yet
    lokeren = make_municipality("Lokeren", region=waasland, slug="lokeren")
    zuivel = make_category("Zuivel", slug="zuivel", position=1, translations={"fr": {"name": "Produits laitiers"}})
    kaas = make_category("Kaas", slug="kaas", parent=zuivel)
    fruit = make_category("Fruit", slug="fruit", position=2)
    make_category("Vis", slug="vis", position=3)  # nothing in it: not shown

    hoeve = make_producer("Hoeve Verstraete", municipality=lokeren)
    boomgaard = make_producer("Boomgaard Claes", municipality=lokeren)
    make_producer("Stille Hoeve", municipality=lokeren, active=False)
    cheese = make_product("Waaslandse kaas", producer=hoeve, category=kaas, price_cents=1250)
    strawberries = make_product(
        "Aardbeien", producer=boomgaard, category=fruit, season_mask=this_month_only(), translations={"en": {"name": "Strawberries"}}
    )
    make_product("Kersen", producer=boomgaard, category=fruit, season_mask=other_months_only())
    make_product("Uitverkochte peren", producer=hoeve, category=fruit, season_mask=this_month_only(), stock=0)

    kerst = make_occasion("kerst", "Kerst")
    make_package(
        [(cheese, 1), (strawberries, 1)],
        name="Kerstpakket Waasland",
        slug="kerstpakket-waasland",
        featured=True,
        occasions=[kerst],
        translations={"fr": {"name": "Colis de Noël du Pays de Waes"}, "en": {"name": "Waasland Christmas box"}},
    )
    make_package([(cheese, 20)], name="Kaasmand XL", slug="kaasmand-xl")  # not enough cheese: sold out
    make_package([(cheese, 1)], name="Oud pakket", slug="oud-pakket", active=False)
    db.session.commit()


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_home_says_what_the_shop_is(client, shop):
    response = client.get("/")

    html = _text(response)
    assert response.status_code == 200
    assert "<title>Hoeve- en streekproducten uit Oost-Vlaanderen · Lekker Oost-Vlaams</title>" in html
    assert "<h1 id=\"home-title\">Hoeve- en streekproducten uit heel Oost-Vlaanderen</h1>" in html
    assert "van 2 boeren en ambachtelijke makers" in html
    assert "Groot Vleeshuis" in html and "Gent" in html
    assert "We leveren aan huis, of je haalt je bestelling af in het Groot Vleeshuis." in html


def test_home_features_available_active_packages(client, shop):
    html = _text(client.get("/"))

    assert 'href="/pakketten/kerstpakket-waasland"' in html
    assert "Kerstpakket Waasland" in html
    assert "Kaasmand XL" not in html  # sold out
    assert "Oud pakket" not in html  # inactive
    assert 'href="/pakketten?gelegenheid=kerst">Kerst</a>' in html


def test_home_shows_products_in_season_this_month(client, shop):
    html = _text(client.get("/"))
    season = html.split('id="home-season-title"', 1)[1].split("</section>", 1)[0]

    assert "Aardbeien" in season
    assert "Waaslandse kaas" in season  # all year, so in season too
    assert "Kersen" not in season
    assert "Uitverkochte peren" not in season
    assert 'href="/producten?seizoen=1"' in season


def test_home_links_regions_with_producer_counts(client, shop):
    html = _text(client.get("/"))
    regions = html.split('id="home-regions-title"', 1)[1].split("</section>", 1)[0]

    assert re.search(r'<a href="/producenten\?streek=waasland">2 producenten</a>', regions)
    assert 'href="/producten?streek=waasland"' in regions
    assert "Leiestreek" not in regions


def test_home_links_top_categories_to_the_products_list(client, shop):
    html = _text(client.get("/"))
    categories = html.split('id="home-categories-title"', 1)[1].split("</section>", 1)[0]

    assert re.findall(r'href="/producten\?categorie=([a-z]+)"', categories) == ["zuivel", "fruit"]
    zuivel, fruit = categories.split("categorie=fruit", 1)
    assert '<span class="category-tile__count">1 product</span>' in zuivel  # the cheese, from a subcategory
    assert '<span class="category-tile__count">2 producten</span>' in fruit  # the sold-out pears do not count
    assert "categorie=vis" not in categories
    assert "categorie=kaas" not in categories  # subcategories are not on the home page


@pytest.mark.parametrize(
    "language, package_name, category_name",
    [
        ("fr", "Colis de Noël du Pays de Waes", "Produits laitiers"),
        ("en", "Waasland Christmas box", "Zuivel"),  # no English name stored: Dutch shows
    ],
)
def test_home_in_french_and_english_shows_catalogue_translations(client, shop, language, package_name, category_name):
    switch_language(client, language)

    html = _text(client.get("/"))

    assert f'<html lang="{language}">' in html
    assert package_name in html
    assert category_name in html


def test_home_in_french_shows_translated_region_and_english_product_names(client, shop):
    switch_language(client, "fr")
    assert "Pays de Waes" in _text(client.get("/"))

    switch_language(client, "en")
    assert "Strawberries" in _text(client.get("/"))


def test_home_in_dutch_by_default(client, shop):
    html = _text(client.get("/"))

    assert '<html lang="nl">' in html
    assert "Kerstpakket Waasland" in html


def test_empty_shop_home_still_works(client, db):
    response = client.get("/")

    assert response.status_code == 200
    assert "Hoeve- en streekproducten uit heel Oost-Vlaanderen" in _text(response)


def test_home_uses_a_fixed_number_of_queries(client, shop, db):
    with count_queries(db) as before:
        client.get("/")

    lokeren = db.session.scalars(select(Municipality)).one()
    for i in range(6):
        producer = make_producer(f"Nieuwe hoeve {i}", municipality=lokeren)
        product = make_product(f"Seizoensproduct {i}", producer=producer, season_mask=this_month_only(), featured=True)
        make_package([(product, 1)], name=f"Pakket {i}", featured=True)
    db.session.commit()

    with count_queries(db) as after:
        client.get("/")

    assert len(after) == len(before)


def test_home_names_the_first_pickup_and_delivery_days(client):
    from flask_babel import format_date

    from shop.scheduling.days import delivery_days, pickup_days

    html = client.get("/").get_data(as_text=True)
    with client.application.test_request_context():
        first_pickup = format_date(pickup_days()[0], "EEEE d MMMM")
        first_delivery = format_date(delivery_days()[0], "EEEE d MMMM")
    assert "Bestel vandaag vóór 12:00:" in html
    assert f"afhalen vanaf {first_pickup}" in html
    assert f"thuislevering vanaf {first_delivery}" in html


def test_home_category_counts_follow_every_change_of_the_catalogue(client, shop, db):
    """The counts are kept between visits until the catalogue changes: a sale, a product taken out of the shop and
    a new product each show at the next visit."""
    from shop.catalog.models import Category, Producer, Product, ProductStatus
    from shop.inventory.models import MovementReason
    from shop.inventory.services import adjust_stock

    def tile_counts() -> list[str]:
        html = _text(client.get("/"))
        return re.findall(r'<span class="category-tile__count">([^<]+)</span>', html)

    assert tile_counts() == ["1 product", "2 producten"]
    assert tile_counts() == ["1 product", "2 producten"]  # kept

    strawberries = db.session.scalars(select(Product).where(Product.name == "Aardbeien")).one()
    adjust_stock(strawberries.id, -strawberries.stock, MovementReason.CORRECTION)  # sold out
    db.session.commit()
    assert tile_counts() == ["1 product", "1 product"]

    cheese = db.session.scalars(select(Product).where(Product.name == "Waaslandse kaas")).one()
    cheese.status = ProductStatus.HIDDEN
    db.session.commit()
    assert tile_counts() == ["1 product"]

    fruit = db.session.scalars(select(Category).where(Category.slug == "fruit")).one()
    make_product("Appels", producer=db.session.scalars(select(Producer).where(Producer.name == "Boomgaard Claes")).one(),
                 category=fruit)
    db.session.commit()
    assert tile_counts() == ["2 producten"]
