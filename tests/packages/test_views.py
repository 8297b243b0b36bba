"""The gift packages list (/pakketten) and the package page (/pakketten/<slug>)."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from shop.catalog.allergens import Allergen, Presence
from shop.catalog.models import Locality, NetUnit, Producer, Product
from shop.packages.models import PackageComponent
from tests import helpers
from tests.factories import (
    make_municipality,
    make_occasion,
    make_package,
    make_producer,
    make_product,
    make_region,
    make_vat_category,
)


@contextmanager
def count_queries(db):
    """SQL statements run in the block, starting from an empty session (the tests' requests share it)."""
    db.session.remove()
    with helpers.count_queries(db.engine) as statements:
        yield statements


def _text(response) -> str:
    return response.get_data(as_text=True)


def _facet(html: str, parameter: str, slug: str) -> tuple[str, int] | None:
    """(label, count) of one filter choice, None when it is not offered."""
    match = re.search(
        rf'<label for="f-{parameter}-{slug}"><input [^>]*>\s*<span>([^<]+)</span> <span class="facet__count">(\d+)</span>', html
    )
    return (match.group(1), int(match.group(2))) if match else None


def _checked(html: str, parameter: str, slug: str) -> bool:
    match = re.search(rf'<input type="checkbox" id="f-{parameter}-{slug}"[^>]*>', html)
    return bool(match) and " checked" in match.group(0)


@pytest.fixture
def packages(db):
    """Four active packages (one sold out) and an inactive one; the cheese-and-beer box is the rich one."""
    region = make_region("vlaamse-ardennen", "Vlaamse Ardennen")
    oudenaarde = make_municipality("Oudenaarde", region=region, slug="oudenaarde")
    kaasmakerij = make_producer("Kaasmakerij Adriaen", municipality=oudenaarde, slug="kaasmakerij-adriaen")
    brouwerij = make_producer("Brouwerij Roman", municipality=oudenaarde, slug="brouwerij-roman", street="Hauwaert 61")
    food = make_vat_category("food", 6)
    alcohol = make_vat_category("alcohol", 21)

    cheese = make_product(
        "Adriaen Brouwerkaas",
        producer=kaasmakerij,
        slug="adriaen-brouwerkaas",
        price_cents=1250,
        unit="per stuk",
        net_quantity=500,
        net_unit=NetUnit.GRAM,
        vat=food,
        allergens={Allergen.MILK: Presence.CONTAINS, Allergen.NUTS: Presence.MAY_CONTAIN},
        storage="Koel bewaren (max. 7 °C).",
        perishable=True,
        shelf_life_days=21,
        stock=6,
    )
    spare_cheese = make_product("Jonge hoevekaas", producer=kaasmakerij, slug="jonge-hoevekaas", vat=food)
    beer = make_product(
        "Oudenaards bruin",
        producer=brouwerij,
        slug="oudenaards-bruin",
        price_cents=300,
        unit="33 cl fles",
        net_quantity=330,
        net_unit=NetUnit.MILLILITRE,
        vat=alcohol,
        alcohol_pct=5.5,
        allergens={Allergen.GLUTEN: Presence.CONTAINS},
        storage="Donker en koel bewaren.",
        ingredients="water, GERSTEMOUT, hop, gist",
        stock=40,
    )
    jam = make_product("Aardbeienconfituur", producer=kaasmakerij, slug="aardbeienconfituur", price_cents=650, vat=food, stock=0)

    kerst = make_occasion("kerst", "Kerst")
    bedrijf = make_occasion("bedrijfsgeschenk", "Bedrijfsgeschenk")
    verjaardag = make_occasion("verjaardag", "Verjaardag")

    box = make_package(
        [(cheese, 1), (beer, 2)],
        slug="oudenaardse-smaken",
        name="Oudenaardse smaken",
        story="Kaas en bier uit Oudenaarde.\n\nSamen goed voor een feestelijke avond.",
        price_cents=3500,
        occasions=[kerst, bedrijf],
        featured=True,
    )
    box.components[0].substitute = spare_cheese
    make_package([(beer, 6)], slug="bierpakket", name="Bierpakket", price_cents=2000, occasions=[verjaardag])
    make_package([(cheese, 2)], slug="kaasduo", name="Kaasduo", price_cents=2600, occasions=[kerst])  # list 2500: no saving
    make_package([(jam, 1)], slug="zoete-doos", name="Zoete doos", price_cents=900, occasions=[kerst])  # sold out
    make_package([(beer, 1)], slug="oud-pakket", name="Oud pakket", active=False, occasions=[kerst])
    db.session.commit()


def _names(html: str) -> list[str]:
    return re.findall(r'<h3 class="card__title"><a href="/pakketten/[^"]+">([^<]+)</a></h3>', html)


# --- the list -------------------------------------------------------------------------------------


def test_list_shows_active_packages_with_price_and_availability(client, packages):
    response = client.get("/pakketten")

    html = _text(response)
    assert response.status_code == 200
    assert "<title>Geschenkpakketten · Lekker Oost-Vlaams</title>" in html
    assert _names(html) == ["Oudenaardse smaken", "Bierpakket", "Kaasduo", "Zoete doos"]  # featured, then by name, sold out last
    assert "Oud pakket" not in html
    assert "4 pakketten" in html
    box = html.split('href="/pakketten/oudenaardse-smaken"', 1)[1].split("</article>", 1)[0]
    assert "3 producten" in box  # one cheese and two beers
    assert "€\xa035,00" in box and "Beschikbaar" in box
    sold_out = html.split('href="/pakketten/zoete-doos"', 1)[1].split("</article>", 1)[0]
    assert "Tijdelijk uitverkocht" in sold_out


def test_list_filters_on_occasion_with_counts(client, packages):
    html = _text(client.get("/pakketten?gelegenheid=kerst"))

    assert _names(html) == ["Oudenaardse smaken", "Kaasduo", "Zoete doos"]
    assert "<title>Geschenkpakketten: Kerst · Lekker Oost-Vlaams</title>" in html
    assert _facet(html, "gelegenheid", "kerst") == ("Kerst", 3)
    assert _facet(html, "gelegenheid", "verjaardag") == ("Verjaardag", 1)
    assert _checked(html, "gelegenheid", "kerst")
    assert not _checked(html, "gelegenheid", "verjaardag")
    assert '<a class="chip" href="/pakketten">' in html


def test_several_occasions_are_ored(client, packages):
    html = _text(client.get("/pakketten?gelegenheid=verjaardag&gelegenheid=bedrijfsgeschenk"))

    assert _names(html) == ["Oudenaardse smaken", "Bierpakket"]


def test_list_can_hide_sold_out_packages(client, packages):
    html = _text(client.get("/pakketten?gelegenheid=kerst&beschikbaar=1"))

    assert _names(html) == ["Oudenaardse smaken", "Kaasduo"]
    assert re.search(r'<label for="f-beschikbaar"><input [^>]* checked>\s*<span>Enkel beschikbare pakketten</span> <span class="facet__count">3</span>', html)


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("prijs_op", ["Zoete doos", "Bierpakket", "Kaasduo", "Oudenaardse smaken"]),
        ("prijs_af", ["Oudenaardse smaken", "Kaasduo", "Bierpakket", "Zoete doos"]),
    ],
)
def test_list_sorts_by_price(client, packages, sort, expected):
    html = _text(client.get(f"/pakketten?sorteer={sort}"))

    assert _names(html) == expected


def test_unknown_occasion_and_sort_are_ignored_with_a_notice(client, packages):
    response = client.get("/pakketten?gelegenheid=pasen&sorteer=duurste&beschikbaar=misschien")

    html = _text(response)
    assert response.status_code == 200
    assert "We kennen geen gelegenheid \u201cpasen\u201d; die keuze is genegeerd." in html
    assert "Onbekende sortering genegeerd." in html
    assert "Onbekende waarde voor \u201cenkel beschikbaar\u201d genegeerd." in html
    assert len(_names(html)) == 4


@pytest.mark.parametrize(
    "query",
    [
        "gelegenheid=" + "k" * 5000,
        "&".join(f"gelegenheid=o{i}" for i in range(300)),
        "sorteer=%ff%fe&gelegenheid=%ff%fe",
        "gelegenheid=&beschikbaar=&sorteer=",
        "gelegenheid=<script>alert(1)</script>",
    ],
)
def test_bad_query_parameters_never_fail(client, packages, query):
    response = client.get(f"/pakketten?{query}")

    assert response.status_code == 200
    assert "<script>" not in _text(response).split("<main", 1)[1]


@pytest.mark.parametrize("query", ["sorteer=%00&gelegenheid=%ff%fe", "gelegenheid=kerst%00"])
def test_a_nul_in_the_query_string_is_refused(client, packages, query):
    response = client.get(f"/pakketten?{query}")

    assert response.status_code == 400
    assert "Dit bevat tekens die we niet aanvaarden" in _text(response)


def test_list_without_packages_is_an_empty_state(client, db):
    response = client.get("/pakketten")

    assert response.status_code == 200
    assert "Er zijn nu geen geschenkpakketten" in _text(response)


def test_filtered_list_without_results_offers_to_clear(client, packages, db):
    beer = db.session.scalars(select(Product).where(Product.slug == "oudenaards-bruin")).one()
    beer.stock = 5  # test data only: fewer than the six a beer package needs

    html = _text(client.get("/pakketten?gelegenheid=verjaardag&beschikbaar=1"))

    assert _names(html) == []
    assert "Geen pakketten met deze keuze" in html
    assert 'href="/pakketten">Alle pakketten tonen</a>' in html


# --- the package page -----------------------------------------------------------------------------


def _page(client, slug="oudenaardse-smaken") -> str:
    response = client.get(f"/pakketten/{slug}")
    assert response.status_code == 200
    return _text(response)


def test_package_page_shows_story_price_availability_and_occasions(client, packages):
    html = _page(client)

    assert "<title>Oudenaardse smaken – Geschenkpakket · Lekker Oost-Vlaams</title>" in html
    assert "<h1>Oudenaardse smaken</h1>" in html
    assert "<p>Kaas en bier uit Oudenaarde.</p>" in html
    assert '€\xa035,00 <span class="price__unit">incl. btw</span>' in html
    assert "Beschikbaar" in html  # 6 cheeses and 40 beers (2 per box): 6 boxes
    assert 'href="/pakketten?gelegenheid=kerst">Kerst</a>' in html
    assert 'href="/pakketten?gelegenheid=bedrijfsgeschenk">Bedrijfsgeschenk</a>' in html


def _set_stock(db, slug: str, stock: int) -> None:
    """Test data only: the pages read stock, they never write it."""
    db.session.scalars(select(Product).where(Product.slug == slug)).one().stock = stock
    db.session.commit()


def test_package_page_says_how_few_are_left(client, packages, db):
    _set_stock(db, "adriaen-brouwerkaas", 2)

    assert "Beschikbaar: nog 2 pakketten" in _page(client)


def test_package_page_is_sold_out_when_a_component_runs_out(client, packages, db):
    _set_stock(db, "adriaen-brouwerkaas", 0)

    html = _page(client)

    assert "Tijdelijk uitverkocht" in html
    assert "Beschikbaar" not in html


def test_package_page_groups_the_composition_by_producer(client, packages):
    html = _page(client)
    contents = html.split('id="package-contents-title"', 1)[1].split("</section>\n      <aside", 1)[0]

    producers = re.findall(r'<h3 id="package-producer-\d+" class="package-producer__name">\s*<a href="(/producenten/[^"]+)">([^<]+)</a>', contents)
    assert producers == [
        ("/producenten/kaasmakerij-adriaen", "Kaasmakerij Adriaen"),
        ("/producenten/brouwerij-roman", "Brouwerij Roman"),
    ]
    assert re.search(r'1 ×</span>\s*<a href="/producten/adriaen-brouwerkaas">Adriaen Brouwerkaas</a>', contents)
    assert re.search(r'2 ×</span>\s*<a href="/producten/oudenaards-bruin">Oudenaards bruin</a>', contents)
    assert "per stuk · 500 g" in contents
    assert "33 cl fles" in contents


def test_package_page_names_the_substitute_rule(client, packages):
    html = _page(client)

    assert re.search(
        r'Uitverkocht\? Dan krijg je\s*<a href="/producten/jonge-hoevekaas">Jonge hoevekaas</a>\s*\(Kaasmakerij Adriaen\) of een gelijkwaardig product.',
        html,
    )
    assert "Is een product uitverkocht, dan vervangen we het door het vervangproduct dat erbij staat of door een gelijkwaardig product" in html


def test_package_page_without_named_substitutes_states_the_general_rule(client, packages):
    html = _page(client, "bierpakket")

    assert "Is een product uitverkocht, dan vervangen we het door een gelijkwaardig product van een Oost-Vlaamse producent" in html
    assert "Uitverkocht? Dan krijg je" not in html


def test_package_page_rolls_up_allergens_and_food_information(client, packages):
    html = _page(client)
    food = html.split('id="package-food-title"', 1)[1].split("</aside>", 1)[0]

    assert re.findall(r'<li class="allergen--contains"><strong>([^<]+)</strong>', food) == ["Glutenbevattende granen", "Melk"]
    assert re.findall(r'<li class="allergen--may"><strong>([^<]+)</strong>', food) == ["Noten"]
    assert "<li>Koel bewaren (max. 7 °C).</li><li>Donker en koel bewaren.</li>" in food
    assert "Het kortst houdbare product blijft 21 dagen goed" in food
    assert "We leveren het gekoeld" in food and "geen herroepingsrecht" in food
    assert "We verkopen het enkel aan wie 18 jaar of ouder is." in food
    assert "water, GERSTEMOUT, hop, gist" in food
    assert "Brouwerij Roman, Hauwaert 61, 9900 Oudenaarde" in food  # the food business operator's name and address


def test_package_page_without_alcohol_or_fresh_goods_has_no_such_warnings(client, packages, db):
    _set_stock(db, "aardbeienconfituur", 3)

    html = _page(client, "zoete-doos")

    assert "18 jaar" not in html
    assert "herroepingsrecht" not in html
    assert "Prijs incl. 6 % btw." in html


def test_package_page_shows_the_vat_split_for_today(client, packages):
    html = _page(client)

    assert "Prijs incl. btw; de btw wordt verdeeld over 6 % en 21 % volgens de samenstelling." in html
    rows = re.findall(r'<tr><th scope="row">(\d+) %</th><td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td></tr>', html)
    # € 35,00 over list prices 12,50 (6 %) : 2 x 3,00 (21 %)
    assert rows == [
        ("6", "€\xa022,31", "€\xa01,34", "€\xa023,65"),
        ("21", "€\xa09,38", "€\xa01,97", "€\xa011,35"),
    ]
    assert '<tr><th scope="row">Totaal</th><td>€\xa031,69</td><td>€\xa03,31</td><td>€\xa035,00</td></tr>' in html


def test_package_page_claims_no_saving_when_the_package_costs_more_than_its_contents(client, packages):
    assert "je bespaart" not in _page(client)  # 35,00 for 18,50 of products (the box and the care cost too)
    assert "je bespaart" not in _page(client, "bierpakket")  # 20,00 for 6 x 3,00


def test_package_page_shows_savings_when_the_package_is_cheaper(client, packages, db):
    beer = db.session.scalars(select(Product).where(Product.slug == "oudenaards-bruin")).one()
    beer.price_cents = 400  # 6 x 4,00 = 24,00 loose, 20,00 in the package
    db.session.commit()

    html = _page(client, "bierpakket")

    assert "Los gekocht kosten deze producten samen €\xa024,00: je bespaart €\xa04,00." in html


def test_package_page_states_contents_weight_and_volume(client, packages):
    html = _page(client)

    assert "3 producten, van 2 producenten" in html
    assert "Inhoud samen: ca. 0,5 kg en 0,66 l drank" in html


@pytest.mark.parametrize("slug", ["bestaat-niet", "oud-pakket", "p" * 400, "kaas%00duo"])
def test_unknown_or_inactive_package_is_not_found(client, packages, slug):
    assert client.get(f"/pakketten/{slug}").status_code == 404


def test_package_pages_use_a_fixed_number_of_queries(client, packages, db):
    with count_queries(db) as small_list:
        client.get("/pakketten?gelegenheid=kerst")
    with count_queries(db) as small_page:
        client.get("/pakketten/oudenaardse-smaken")

    oudenaarde = db.session.scalars(select(Producer).where(Producer.slug == "brouwerij-roman")).one().municipality
    kerst = make_occasion("kerst", "Kerst")
    extra = []
    for i in range(5):
        village = Locality(postcode=f"97{i:02d}", name=f"Dorp {i}", municipality=oudenaarde, latitude=50.85, longitude=3.6)
        producer = make_producer(f"Extra hoeve {i}", municipality=oudenaarde, locality=village)
        extra.append(make_product(f"Extra {i}", producer=producer, allergens={Allergen.EGGS: Presence.CONTAINS}))
        make_package([(p, 1) for p in extra], name=f"Extra pakket {i}", occasions=[kerst])
    package = db.session.scalars(select(PackageComponent).where(PackageComponent.package.has(slug="oudenaardse-smaken"))).first().package
    for i, product in enumerate(extra):
        package.components.append(PackageComponent(product=product, quantity=1, position=10 + i, substitute=extra[0]))
    db.session.commit()

    with count_queries(db) as big_list:
        client.get("/pakketten?gelegenheid=kerst")
    with count_queries(db) as big_page:
        html = _text(client.get("/pakketten/oudenaardse-smaken"))

    assert "Extra hoeve 4" in html
    assert len(big_list) == len(small_list)
    assert len(big_page) == len(small_page)


def test_list_cards_follow_every_change_of_their_components(client, packages, db):
    """What a card shows of its components (available or not, how many products) is kept between visits until the
    catalogue changes: a sale that sells a component out, stock coming back and a component added each show at the
    next visit."""
    from shop.inventory.models import MovementReason
    from shop.inventory.services import adjust_stock

    def card(slug: str) -> str:
        html = _text(client.get("/pakketten"))
        return html.split(f'href="/pakketten/{slug}"', 1)[1].split("</article>", 1)[0]

    assert "Beschikbaar" in card("bierpakket") and "6 producten" in card("bierpakket")
    beer = db.session.scalars(select(Product).where(Product.slug == "oudenaards-bruin")).one()

    adjust_stock(beer.id, -35, MovementReason.CORRECTION)  # 40 -> 5: fewer than the box's six
    db.session.commit()
    assert "Tijdelijk uitverkocht" in card("bierpakket")
    assert "Beschikbaar" in card("oudenaardse-smaken")  # two beers a box: still two boxes

    adjust_stock(beer.id, 1, MovementReason.CORRECTION)  # back to six
    db.session.commit()
    assert "Beschikbaar" in card("bierpakket")

    jam = db.session.scalars(select(Product).where(Product.slug == "aardbeienconfituur")).one()
    package = db.session.scalars(select(PackageComponent).where(PackageComponent.product_id == beer.id,
                                                                PackageComponent.quantity == 6)).one().package
    package.components.append(PackageComponent(product=jam, quantity=2, position=5))
    db.session.commit()
    sold_out = card("bierpakket")
    assert "8 producten" in sold_out and "Tijdelijk uitverkocht" in sold_out  # the jam is sold out
