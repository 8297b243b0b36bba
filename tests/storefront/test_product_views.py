import re
from datetime import date

import pytest

from shop.catalog.allergens import Presence
from shop.catalog.models import ALL_MONTHS_MASK, ProductImage
from shop.core.clock import shop_today
from shop.extensions import db
from tests.factories import make_category, make_label, make_municipality, make_producer, make_product, make_region
from tests.helpers import count_queries

NBSP = "\u00a0"


def page_text(response) -> str:
    return response.get_data(as_text=True)


def card_names(html: str) -> list[str]:
    return re.findall(r'<h3 class="card__title"><a href="[^"]*">([^<]*)</a></h3>', html)


def all_months_but_this_one() -> int:
    return ALL_MONTHS_MASK & ~(1 << (shop_today().month - 1))


def only_this_month() -> int:
    return 1 << (shop_today().month - 1)


@pytest.fixture
def catalogue_in_db(catalogue, db):
    """The shared catalogue, committed so that requests (another session) see it."""
    db.session.commit()
    return catalogue


# --- products list ---------------------------------------------------------------------------------------


def test_products_page_lists_cards_with_a_filter_form(client, catalogue_in_db):
    response = client.get("/producten")
    html = page_text(response)
    assert response.status_code == 200
    assert "<title>Producten · Lekker Oost-Vlaams</title>" in html
    # Recommended order: in stock before sold out (the jam), then by name.
    assert card_names(html) == ["Hoeveboter", "Oude hoevekaas", "Paté van de hoeve", "Tripel", "Aardbeienconfituur"]
    assert '<p role="status">5 producten</p>' in html
    assert '<form class="filters" id="product-filters" method="get" action="/producten">' in html
    assert "<legend>Categorie</legend>" in html
    assert (
        '<label for="f-categorie-kaas"><input type="checkbox" id="f-categorie-kaas" name="categorie" value="kaas">\n'
        '    <span>Kaas</span> <span class="facet__count">1</span></label>'
    ) in html
    assert '<span>Waasland</span> <span class="facet__count">3</span></label>' in html
    assert ">Toon resultaten</button>" in html
    assert "Geheime kaas" not in html and "Boter van gesloten hoeve" not in html


def test_a_card_is_one_link_with_photo_producer_unit_price_per_kg_and_stock(client, catalogue_in_db):
    kaas = catalogue_in_db["kaas"]
    db.session.add(ProductImage(product_id=kaas.id, path="static/img/kaas.jpg", alt="Een wiel kaas"))
    db.session.commit()
    html = page_text(client.get("/producten?categorie=kaas"))
    card = html[html.index('<article class="card product-card">'): html.index("</article>")]
    assert card.count("<a ") == 1
    assert f'<h3 class="card__title"><a href="/producten/{kaas.slug}">Oude hoevekaas</a></h3>' in card
    assert '<img class="card__media" src="/static/img/kaas.jpg" alt="" width="400" height="300"' in card
    assert "Hoeve Dierickx · Eeklo" in card
    assert "250 g" in card
    assert f"€{NBSP}6,50" in card
    assert f'<span class="price__per-kg">€{NBSP}26,00/kg</span>' in card
    assert '<p class="stock stock--in">Op voorraad</p>' in card


def test_cards_show_low_stock_sold_out_and_the_season_badge(client, catalogue_in_db):
    catalogue_in_db["pate"].season_mask = only_this_month()
    catalogue_in_db["kaas"].season_mask = all_months_but_this_one()
    db.session.commit()
    html = page_text(client.get("/producten"))
    cards = dict(zip(card_names(html), html.split('<article class="card product-card">')[1:]))
    assert '<p class="stock stock--low">Nog 3 beschikbaar</p>' in cards["Paté van de hoeve"]
    assert '<p class="stock stock--out">Uitverkocht</p>' in cards["Aardbeienconfituur"]
    assert "In het seizoen" in cards["Paté van de hoeve"]
    assert "In het seizoen" not in cards["Oude hoevekaas"]
    assert "In het seizoen" not in cards["Tripel"]  # sold all year: no badge


def test_filters_stay_ticked_and_repeat_as_removable_chips(client, catalogue_in_db):
    html = page_text(client.get("/producten?categorie=kaas&categorie=vlees&zonder=milk&prijs_max=6"))
    assert card_names(html) == ["Paté van de hoeve"]
    assert '<input type="checkbox" id="f-categorie-kaas" name="categorie" value="kaas" checked>' in html
    assert '<input type="checkbox" id="f-zonder-milk" name="zonder" value="milk" checked>' in html
    assert '<span class="filters-toggle__count">(4 actief)</span>' in html
    assert 'name="prijs_max" inputmode="decimal"' in html and 'value="6,00"' in html
    assert '<a class="chip" href="/producten?categorie=vlees&amp;zonder=milk&amp;prijs_max=6,00">' in html
    assert '<a class="chip" href="/producten?categorie=kaas&amp;categorie=vlees&amp;prijs_max=6,00">' in html
    assert f"Tot €{NBSP}6,00" in html
    assert "Zonder: Melk" in html
    assert '<a class="chips__clear" href="/producten">Alles wissen</a>' in html


def test_search_keeps_the_query_and_has_no_chips_for_nothing(client, catalogue_in_db):
    html = page_text(client.get("/producten?q=pat%C3%A9"))
    assert card_names(html) == ["Paté van de hoeve"]
    assert "<h1>Zoekresultaten voor “paté”</h1>" in html
    assert '<input type="hidden" name="q" value="paté">' in html
    assert '<option value="relevantie" selected>Meest relevant</option>' not in html  # one result: no sort menu


def test_sort_menu_belongs_to_the_filter_form(client, catalogue_in_db):
    html = page_text(client.get("/producten?q=hoeve"))
    assert '<select id="f-sorteer" name="sorteer" form="product-filters">' in html
    assert '<option value="relevantie" selected>Meest relevant</option>' in html
    html = page_text(client.get("/producten?sorteer=prijs_op"))
    assert '<option value="relevantie"' not in html
    assert '<option value="prijs_op" selected>Prijs: laagste eerst</option>' in html
    assert card_names(html)[0] == "Tripel"


def test_pagination_has_real_links_and_a_summary(client, app, catalogue_in_db):
    app.config["PRODUCTS_PER_PAGE"] = 2
    try:
        first = page_text(client.get("/producten?streek=waasland&streek=meetjesland"))
        second = page_text(client.get("/producten?streek=waasland&streek=meetjesland&pagina=2"))
        last = page_text(client.get("/producten?streek=waasland&streek=meetjesland&pagina=3"))
    finally:
        app.config["PRODUCTS_PER_PAGE"] = 24
    assert '<p role="status">2 van 5 producten</p>' in first
    assert (
        '<a class="button button--secondary" href="/producten?streek=waasland&amp;streek=meetjesland&amp;pagina=2">'
        "Meer tonen</a>" in first
    )
    assert 'rel="prev"' not in first
    assert '<p role="status">3–4 van 5 producten</p>' in second
    assert '<progress class="pagination__progress" max="5" value="4"></progress>' in second
    assert '<a rel="prev" href="/producten?streek=waasland&amp;streek=meetjesland">Vorige</a>' in second
    assert '<a rel="next" href="/producten?streek=waasland&amp;streek=meetjesland&amp;pagina=3">Volgende</a>' in second
    assert card_names(second) == ["Paté van de hoeve", "Tripel"]
    assert "Meer tonen" not in last and 'rel="next"' not in last
    assert "<title>Producten – pagina 3 · Lekker Oost-Vlaams</title>" in last


def test_hidden_page_size_parameter_is_capped(client, app, catalogue_in_db):
    app.config["MAX_PRODUCTS_PER_PAGE"] = 3
    try:
        html = page_text(client.get("/producten?per_pagina=1000"))
    finally:
        app.config["MAX_PRODUCTS_PER_PAGE"] = 96
    assert len(card_names(html)) == 3
    assert '<input type="hidden" name="per_pagina" value="3">' in html
    assert "per_pagina=3&amp;pagina=2" in html


def test_no_results_says_so_and_offers_a_way_out(client, catalogue_in_db):
    html = page_text(client.get("/producten?q=hoeve&categorie=bier"))
    assert card_names(html) == []
    assert '<p role="status">Geen producten</p>' in html
    assert "<h3>Geen producten gevonden</h3>" in html
    assert "We vonden geen producten voor “hoeve” met deze filters." in html
    assert '<input id="empty-q" type="search" name="q" value="hoeve" maxlength="100">' in html
    assert '<a href="/producten?q=hoeve">Zoek “hoeve” zonder filters</a>' in html
    assert '<a href="/producten">Alle filters wissen</a>' in html
    assert '<a href="/producten?categorie=zuivel">Zuivel</a>' in html


@pytest.mark.parametrize(
    "query, notice",
    [
        ("pagina=abc", "Ongeldig paginanummer; we tonen de eerste pagina."),
        ("pagina=-1", "Ongeldig paginanummer; we tonen de eerste pagina."),
        ("pagina=99", "Pagina 99 bestaat niet; we tonen de laatste pagina (1)."),
        ("pagina=" + "9" * 5000, "Pagina … bestaat niet; we tonen de laatste pagina (1)."),
        ("categorie=snoep", "Onbekende categorie genegeerd: snoep."),
        ("streek=%3Cscript%3E", "Onbekende streek genegeerd: &lt;script&gt;."),
        ("zonder=chocolade", "Onbekend allergeen genegeerd: chocolade."),
        ("prijs_min=veel", "Ongeldige minimumprijs genegeerd: veel. Schrijf bijvoorbeeld 4,50."),
        ("prijs_max=10000000000", "Ongeldige maximumprijs genegeerd: 10000000000. Schrijf bijvoorbeeld 12,50."),
        ("prijs_min=9&prijs_max=1", "De minimumprijs was hoger dan de maximumprijs; we hebben ze omgewisseld."),
        ("sorteer=%27%3B+DROP+TABLE+products", "Onbekende sortering genegeerd."),
        ("q=%25%25%25", "We vonden geen bruikbare zoekwoorden in “%%%”; we tonen alle producten."),
        ("q=" + "kaas+" * 1000, "Je zoekopdracht was erg lang; we zochten met de eerste 100 tekens."),
        ("seizoen=jawel", "Onbekende waarde voor “in het seizoen” genegeerd."),
    ],
)
def test_bad_input_answers_normally_with_a_helpful_message(client, catalogue_in_db, query, notice):
    response = client.get("/producten?" + query)
    assert response.status_code == 200
    assert f"<li>{notice}</li>" in page_text(response)


@pytest.mark.parametrize(
    "query",
    ["q=k%25a_s", "q=%E2%80%AE%F0%9F%A7%80%CC%81", "q=%27+OR+1%3D1+--", "q=_", "categorie=" + "x" * 5000,
     "gemeente=%F0%9F%90%84&label=&producent=%25", "per_pagina=0&pagina=0", "pagina=99999999999999999999999"],
)
def test_odd_input_never_fails(client, catalogue_in_db, query):
    assert client.get("/producten?" + query).status_code == 200


@pytest.mark.parametrize(
    "query",
    ["q=%00", "categorie=%00kaas", "streek=ka%00s&gemeente=%00&label=%00&producent=%00", "prijs_min=%00",
     "seizoen=ja%00", "q=kaas%1b%5B31m"],
)
def test_control_characters_in_the_query_string_are_refused(client, catalogue_in_db, query):
    response = client.get("/producten?" + query)

    assert response.status_code == 400
    assert "Dit bevat tekens die we niet aanvaarden" in page_text(response)


def test_products_page_runs_a_fixed_number_of_queries(client, app, db):
    region = make_region("meetjesland", "Meetjesland")
    bio = make_label("bio", "Bio")
    kaas = make_category("Kaas", parent=make_category("Zuivel", slug="zuivel"), slug="kaas")
    for p in range(6):
        producer = make_producer(f"Hoeve {p}", municipality=make_municipality(f"Gemeente {p}", region=region))
        producer.labels.append(bio)
        for n in range(5):
            product = make_product(
                f"Kaas {p}-{n}", producer=producer, category=kaas, price_cents=300 + n * 100,
                allergens={"milk": Presence.CONTAINS, "nuts": Presence.MAY_CONTAIN},
            )
            product.labels.append(bio)
            product.images.extend([ProductImage(path=f"static/img/{n}.jpg", position=i) for i in range(2)])
    db.session.commit()
    # The first list after a change of the catalogue builds the facet index (four statements more).
    with count_queries(db.engine) as statements:
        assert client.get("/producten?per_pagina=2&pagina=3").status_code == 200
    first = len(statements)

    counts = {}
    for label, url in {
        "one per page": "/producten?per_pagina=1",
        "24 per page": "/producten",
        "all filters": "/producten?q=kaas&categorie=zuivel&streek=meetjesland&gemeente=" + "gemeente-0"
        + "&label=bio&zonder=gluten&seizoen=1&voorraad=1&prijs_min=1&prijs_max=99&sorteer=prijs_af&pagina=1",
        "unknown values": "/producten?categorie=snoep&streek=kempen&producent=niemand&pagina=7",
    }.items():
        with count_queries(db.engine) as statements:
            response = client.get(url)
        assert response.status_code == 200
        assert card_names(page_text(response)), label
        counts[label] = len(statements)
    searches = {label: counts.pop(label) for label in ("all filters",)}
    assert len(set(counts.values())) == 1, counts
    assert counts["24 per page"] == 2  # the page, the facet's producers (the counts come from the facet index)
    assert first == counts["24 per page"] + 4 <= 6  # the index: categories, places, labels, the rest at once
    # A search reads its matches (once per term and build of the facet index, unless in an order the index does not
    # keep) and looks through the gift packages: a fixed number of queries more, whatever matches.
    by_relevance = []
    for size in (1, 2):
        with count_queries(db.engine) as statements:
            assert client.get(f"/producten?q=kaas&per_pagina={size}").status_code == 200
        by_relevance.append(len(statements))
    packages = by_relevance[1] - counts["24 per page"]  # the term is known to the index now: the packages only
    assert 1 <= packages <= 2
    assert searches["all filters"] == by_relevance[0] == counts["24 per page"] + 1 + packages, searches


def test_products_page_translates_catalogue_names(client, catalogue_in_db):
    kaas = catalogue_in_db["kaas"]
    kaas.translations = {"fr": {"name": "Vieux fromage fermier"}, "en": {"name": "Mature farmhouse cheese"}}
    db.session.commit()
    client.get("/taal/fr")
    html = page_text(client.get("/producten?categorie=kaas"))
    assert '<html lang="fr">' in html
    assert card_names(html) == ["Vieux fromage fermier"]
    assert f"6,50{NBSP}€" in html


# --- product page ----------------------------------------------------------------------------------------


def test_product_page_shows_price_stock_and_food_information(client, catalogue_in_db):
    tripel = catalogue_in_db["tripel"]
    tripel.origin = "Gebrouwen in Sint-Niklaas"
    tripel.description = "Een blonde tripel.\n\nHergist op fles."
    tripel.season_mask = ALL_MONTHS_MASK
    db.session.commit()
    response = client.get(f"/producten/{tripel.slug}")
    html = page_text(response)
    assert response.status_code == 200
    assert "<title>Tripel – Brouwerij Waas · Lekker Oost-Vlaams</title>" in html
    assert '<li><a href="/producten?categorie=drank">Drank</a></li>' in html
    assert '<li><a href="/producten?categorie=bier">Bier</a></li>' in html
    assert '<li aria-current="page">Tripel</li>' in html
    assert '<h1 class="product__name">Tripel</h1>' in html
    assert 'van <a href="/producenten/brouwerij-waas">Brouwerij Waas</a>,\n        Sint-Niklaas' in html
    assert f"€{NBSP}2,75 <span class=\"price__unit\">33 cl</span>" in html
    assert f'<p class="price__per-kg">€{NBSP}8,33/l</p>' in html
    assert "Prijs inclusief 21 % btw" in html
    assert '<p class="stock stock--in">Op voorraad</p>' in html
    assert "<p>Een blonde tripel.</p>" in html and "<p>Hergist op fles.</p>" in html
    assert "<dd>Het hele jaar" in html
    assert "<dt>Ingrediënten</dt>\n      <dd>melk, zout</dd>" in html
    assert '<li class="allergen--contains"><strong>Glutenbevattende granen</strong></li>' in html
    assert "<dt>Bewaren</dt>\n      <dd>Koel bewaren (max. 7 °C).</dd>" in html
    assert "<dd>8,5 % vol.</dd>" in html
    assert "<dd>Gebrouwen in Sint-Niklaas</dd>" in html
    assert "<dt>Nettohoeveelheid</dt>\n      <dd>33 cl</dd>" in html
    assert "Dorpsstraat 1<br>" in html and "9900 Sint-Niklaas" in html
    assert "<dd>21 % (inbegrepen in de prijs)</dd>" in html
    assert "Je hebt 14 dagen herroepingsrecht na ontvangst." in html
    assert '<a class="badge badge--label" href="/producten?label=bio">Bio</a>' in html


def test_product_page_shows_may_contain_season_months_perishable_note_and_sold_out(client, catalogue_in_db):
    confituur = catalogue_in_db["confituur"]
    confituur.perishable = True
    db.session.commit()
    html = page_text(client.get(f"/producten/{confituur.slug}"))
    assert "Kan sporen bevatten van:" in html
    assert '<li class="allergen--may"><strong>Noten</strong></li>' in html
    assert "Bevat:" not in html
    assert "mei tot augustus" in html
    assert "herroepingsrecht van 14 dagen geldt hiervoor niet" in html
    assert '<p class="stock stock--out">Uitverkocht</p>' in html
    assert "Prijs inclusief 6 % btw" in html
    # producer label (bio) shown for the producer's products
    assert '<a class="badge badge--label" href="/producten?label=bio">Bio</a>' in html


def test_product_page_without_allergens_says_so(client, catalogue_in_db):
    html = page_text(client.get(f"/producten/{catalogue_in_db['pate'].slug}"))
    assert "Bevat geen van de 14 allergenen die wettelijk vermeld moeten worden." in html
    assert '<p class="stock stock--low">Nog 3 beschikbaar</p>' in html


def test_product_page_shows_more_from_the_producer(client, catalogue_in_db):
    html = page_text(client.get(f"/producten/{catalogue_in_db['kaas'].slug}"))
    assert '<h2 id="more-title">Meer van Hoeve Dierickx</h2>' in html
    assert '<a href="/producten?producent=hoeve-dierickx">Alle producten van Hoeve Dierickx</a>' in html
    assert card_names(html) == ["Paté van de hoeve"]


@pytest.mark.parametrize("key", ["draft", "hidden", "inactive"])
def test_product_page_is_404_unless_published_by_an_active_producer(client, catalogue_in_db, key):
    assert client.get(f"/producten/{catalogue_in_db[key].slug}").status_code == 404


def test_unknown_product_is_404_with_search(client, catalogue_in_db):
    response = client.get("/producten/bestaat-niet")
    assert response.status_code == 404
    assert 'name="q"' in page_text(response)


@pytest.mark.parametrize("slug", ["%00", "kaas%00", "%F0%9F%A7%80", "x" * 3000, "%27%3B--"])
def test_odd_product_addresses_are_404(client, catalogue_in_db, slug):
    assert client.get(f"/producten/{slug}").status_code == 404


@pytest.mark.parametrize(
    "language, name, price, per_litre",
    [
        ("nl", "Tripel", f"€{NBSP}2,75", f"€{NBSP}8,33/l"),
        ("fr", "Triple de Waas", f"2,75{NBSP}€", f"8,33{NBSP}€/l"),
        ("en", "Waas Tripel", "€2.75", "€8.33/l"),
    ],
)
def test_product_page_in_each_language(client, catalogue_in_db, language, name, price, per_litre):
    tripel = catalogue_in_db["tripel"]
    tripel.translations = {"fr": {"name": "Triple de Waas"}, "en": {"name": "Waas Tripel"}}
    db.session.commit()
    client.get(f"/taal/{language}")
    html = page_text(client.get(f"/producten/{tripel.slug}"))
    assert f'<html lang="{language}">' in html
    assert f'<h1 class="product__name">{name}</h1>' in html
    assert price in html
    assert per_litre in html


@pytest.mark.parametrize(
    "language, ingredients, storage, absent",
    [
        ("fr", "lait cru (LAIT), sel", "Conserver au frais.", ["melk, zout", "Koel bewaren"]),
        ("nl", "melk, zout", "Koel bewaren (max. 7 °C).", ["lait cru", "Conserver au frais."]),
    ],
)
def test_product_page_shows_ingredients_and_storage_in_the_visitors_language(
    client, catalogue_in_db, language, ingredients, storage, absent
):
    kaas = catalogue_in_db["kaas"]
    kaas.translations = {"fr": {"ingredients": "lait cru (LAIT), sel", "storage": "Conserver au frais."}}
    db.session.commit()
    client.get(f"/taal/{language}")
    html = page_text(client.get(f"/producten/{kaas.slug}"))
    assert f'<html lang="{language}">' in html
    assert f"<dd>{ingredients}</dd>" in html
    assert f"<dd>{storage}</dd>" in html
    for text in absent:
        assert text not in html


def test_shop_today_is_a_date():
    assert isinstance(shop_today(), date)


def test_search_words_are_escaped_everywhere(client, catalogue_in_db):
    html = page_text(client.get("/producten?q=%3Cscript%3Ealert(1)%3C/script%3E"))
    assert "<script>alert" not in html
    assert "“&lt;script&gt;alert(1)&lt;/script&gt;”" in html


def test_product_page_runs_a_fixed_number_of_queries(client, catalogue_in_db):
    kaas = catalogue_in_db["kaas"]

    def count() -> int:
        with count_queries(db.engine) as statements:
            assert client.get(f"/producten/{kaas.slug}").status_code == 200
        return len(statements)

    before = count()
    kaas.images.extend([ProductImage(path=f"static/img/{n}.jpg", position=n) for n in range(4)])
    for n in range(3):
        sibling = make_product(f"Kaas {n}", producer=kaas.producer, category=kaas.category)
        sibling.images.append(ProductImage(path="static/img/kaas.jpg"))
    db.session.commit()
    assert count() == before
