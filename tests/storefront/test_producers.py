"""The producers directory (/producenten) with its filters and map, and the producer page."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from shop.catalog.models import Locality, Producer, ProductStatus
from tests import helpers
from tests.factories import make_category, make_label, make_municipality, make_producer, make_product, make_region


@contextmanager
def count_queries(db):
    """The SQL statements run inside the block. The tests' requests share the test's app context and so
    its session: start from an empty one, so that nothing comes for free from earlier requests."""
    db.session.remove()
    with helpers.count_queries(db.engine) as statements:
        yield statements


@pytest.fixture
def province(db):
    """Two regions, three municipalities (one with localities), four active producers and one inactive."""
    meetjesland = make_region("meetjesland", "Meetjesland", translations={"fr": {"name": "Pays de Meetjes"}})
    dender = make_region("denderstreek", "Denderstreek")
    eeklo = make_municipality("Eeklo", region=meetjesland, slug="eeklo", latitude=51.1858, longitude=3.5639)
    maldegem = make_municipality("Maldegem", region=meetjesland, slug="maldegem", latitude=51.2077, longitude=3.4453)
    aalst = make_municipality("Aalst", region=dender, slug="aalst", latitude=50.9360, longitude=4.0355)
    db.session.add_all(
        [
            Locality(postcode="9310", name="Moorsel", municipality=aalst, latitude=50.9583, longitude=4.0972),
            Locality(postcode="9300", name="Aalst", municipality=aalst, latitude=50.9360, longitude=4.0355),
        ]
    )
    kaas = make_category("Zuivel", slug="zuivel", position=1)
    bier = make_category("Drank", slug="drank", position=2)
    tripel = make_category("Bier", slug="bier", parent=bier, position=1)
    bio = make_label("bio", "Bio")

    producers = {
        "dierickx": make_producer("Hoeve Dierickx", municipality=eeklo, slug="hoeve-dierickx", labels=[bio]),
        "vermeulen": make_producer("Kaasmakerij Vermeulen", municipality=eeklo, slug="kaasmakerij-vermeulen"),
        "bruggeman": make_producer("Zuivelhoeve Bruggeman", municipality=maldegem, slug="zuivelhoeve-bruggeman"),
        "moorsel": make_producer(
            "Brouwerij De Moorsel",
            municipality=aalst,
            slug="brouwerij-de-moorsel",
            latitude=50.9583,
            longitude=4.0972,
            postcode="9310",
        ),
        "gestopt": make_producer("Gestopte Hoeve", municipality=aalst, slug="gestopte-hoeve", active=False),
    }
    make_product("Oude hoevekaas", producer=producers["dierickx"], category=kaas)
    make_product("Boter", producer=producers["bruggeman"], category=kaas)
    make_product("Moorsel tripel", producer=producers["moorsel"], category=tripel)
    make_product("Vergeten bier", producer=producers["vermeulen"], category=tripel, status=ProductStatus.DRAFT)
    db.session.commit()
    return producers


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


def _listed(html: str) -> list[str]:
    """Producer names in the HTML list (not the map), in page order."""
    return re.findall(r'class="producer-item__name" href="/producenten/[^"]+">([^<]+)</a>', html)


def _markers(svg: str) -> list[tuple[str, str, float, float]]:
    """(link, name, x, y) of every producer marker of a map."""
    return [
        (href, name, float(x), float(y))
        for href, name, x, y in re.findall(
            r'<a href="(/producenten/[^"]+)"><title>([^<]+)</title><use href="#map-pin" x="([-\d.]+)" y="([-\d.]+)"/></a>',
            svg,
        )
    ]


def _svg(html: str) -> str:
    match = re.search(r"<svg class=\"province-map__svg\".*?</svg>", html, re.S)
    assert match, "no map on the page"
    return match.group(0)


# --- the directory --------------------------------------------------------------------------------


def test_directory_lists_active_producers_grouped_by_municipality(client, province):
    response = client.get("/producenten")

    html = _text(response)
    assert response.status_code == 200
    assert "<title>Producenten · Lekker Oost-Vlaams</title>" in html
    assert _listed(html) == ["Brouwerij De Moorsel", "Hoeve Dierickx", "Kaasmakerij Vermeulen", "Zuivelhoeve Bruggeman"]
    assert re.findall(r'<h3 id="gemeente-[a-z]+-title" class="producer-group__title">\s*(\w+)', html) == ["Aalst", "Eeklo", "Maldegem"]
    assert "Gestopte Hoeve" not in html
    assert "4 producenten" in html
    assert 'href="/producten?producent=hoeve-dierickx"' in html


def test_directory_shows_facet_counts(client, province):
    html = _text(client.get("/producenten"))

    assert _facet(html, "streek", "meetjesland") == ("Meetjesland", 3)
    assert _facet(html, "streek", "denderstreek") == ("Denderstreek", 1)
    assert _facet(html, "gemeente", "eeklo") == ("Eeklo", 2)
    # Product types count producers with a published product of that kind (the draft beer does not count).
    assert _facet(html, "categorie", "zuivel") == ("Zuivel", 2)
    assert _facet(html, "categorie", "drank") == ("Drank", 1)


def test_filter_by_region(client, province):
    html = _text(client.get("/producenten?streek=meetjesland"))

    assert _listed(html) == ["Hoeve Dierickx", "Kaasmakerij Vermeulen", "Zuivelhoeve Bruggeman"]
    assert "<title>Producenten: Meetjesland · Lekker Oost-Vlaams</title>" in html
    assert _checked(html, "streek", "meetjesland")
    assert not _checked(html, "streek", "denderstreek")
    # the other region still shows what it would add; municipalities of other regions drop out
    assert _facet(html, "streek", "denderstreek") == ("Denderstreek", 1)
    assert 'id="f-gemeente-aalst"' not in html
    assert 'class="chip" href="/producenten"' in html


def test_filter_by_municipality(client, province):
    html = _text(client.get("/producenten?gemeente=maldegem"))

    assert _listed(html) == ["Zuivelhoeve Bruggeman"]
    assert "1 producent gevonden" in html


def test_filters_of_one_kind_are_ored_and_of_different_kinds_anded(client, province):
    both = _text(client.get("/producenten?gemeente=maldegem&gemeente=aalst"))
    narrowed = _text(client.get("/producenten?streek=meetjesland&categorie=zuivel"))

    assert _listed(both) == ["Brouwerij De Moorsel", "Zuivelhoeve Bruggeman"]
    assert _listed(narrowed) == ["Hoeve Dierickx", "Zuivelhoeve Bruggeman"]


def test_filter_by_product_type_includes_subcategories(client, province):
    html = _text(client.get("/producenten?categorie=drank"))

    assert _listed(html) == ["Brouwerij De Moorsel"]


def test_unknown_filter_values_are_ignored_with_a_notice(client, province):
    response = client.get("/producenten?streek=atlantis&gemeente=eeklo")

    html = _text(response)
    assert response.status_code == 200
    assert "We kennen geen streek \u201catlantis\u201d; die keuze is genegeerd." in html
    assert _listed(html) == ["Hoeve Dierickx", "Kaasmakerij Vermeulen"]


@pytest.mark.parametrize(
    "query",
    [
        "streek=" + "x" * 5000,
        "&".join(f"gemeente=g{i}" for i in range(200)),
        "streek=%ff&gemeente=%E2%80%AE",
        "categorie=&streek=&gemeente=",
        "streek[]=meetjesland&gemeente=<script>",
    ],
)
def test_bad_query_parameters_never_fail(client, province, query):
    response = client.get(f"/producenten?{query}")

    assert response.status_code == 200
    assert "<script>" not in _text(response).split("<main", 1)[1]


@pytest.mark.parametrize("query", ["streek=%00%ff&gemeente=%E2%80%AE", "categorie=zuivel%00&streek=a%00b"])
def test_a_nul_in_the_query_string_is_refused(client, province, query):
    response = client.get(f"/producenten?{query}")

    assert response.status_code == 400
    assert "Dit bevat tekens die we niet aanvaarden" in _text(response)


def test_no_result_says_so_and_offers_to_clear(client, province):
    html = _text(client.get("/producenten?gemeente=maldegem&categorie=drank"))

    assert "Geen producenten met deze keuze" in html
    assert "Alle producenten tonen" in html


def test_directory_without_producers_is_an_empty_state(client, db):
    response = client.get("/producenten")

    assert response.status_code == 200
    assert "Nog geen producenten" in _text(response)


# --- the map --------------------------------------------------------------------------------------


def test_map_has_a_keyboard_link_with_the_name_for_every_active_producer(client, province):
    svg = _svg(_text(client.get("/producenten")))

    markers = [(href, name) for href, name, _x, _y in _markers(svg)]
    assert sorted(markers) == [
        ("/producenten/brouwerij-de-moorsel", "Brouwerij De Moorsel"),
        ("/producenten/hoeve-dierickx", "Hoeve Dierickx"),
        ("/producenten/kaasmakerij-vermeulen", "Kaasmakerij Vermeulen"),
        ("/producenten/zuivelhoeve-bruggeman", "Zuivelhoeve Bruggeman"),
    ]
    assert "gestopte-hoeve" not in svg


def test_map_markers_lie_inside_the_view_box_and_north_is_up(client, province):
    svg = _svg(_text(client.get("/producenten")))

    _, _, width, height = map(float, re.search(r'viewBox="([^"]+)"', svg).group(1).split())
    dots = {href.removeprefix("/producenten/"): (x, y) for href, _name, x, y in _markers(svg)}
    assert len(dots) == 4
    assert all(0 <= x <= width and 0 <= y <= height for x, y in dots.values())
    # Maldegem (51.21 N) is north and west of Aalst (50.94 N, 4.04 E)
    assert dots["zuivelhoeve-bruggeman"][1] < dots["brouwerij-de-moorsel"][1]
    assert dots["zuivelhoeve-bruggeman"][0] < dots["brouwerij-de-moorsel"][0]


def test_map_colours_regions_names_towns_and_dims_unchosen_regions(client, province):
    html = _text(client.get("/producenten?streek=denderstreek"))
    svg = _svg(html)

    assert re.search(r'class="province-map__region is-dimmed" data-region="meetjesland"', svg)
    assert re.search(r'class="province-map__region" data-region="denderstreek"', svg)
    assert re.search(r'<text class="province-map__town"[^>]*>Aalst</text>', svg)
    assert re.search(r'<text class="province-map__town"[^>]*>Eeklo</text>', svg)
    assert len(_markers(svg)) == 1  # only the chosen producers get a marker
    assert 'href="#producer-list-title">Sla de kaart over</a>' in html


# --- the producer page ----------------------------------------------------------------------------


def test_producer_page_shows_story_place_labels_and_contact(client, province, db):
    producer = province["dierickx"]
    producer.story = "Sinds 1920 maken we kaas.\n\nMet melk van eigen koeien."
    producer.farm_shop_hours = "Vrijdag 14–18 u, zaterdag 9–12 u"
    producer.website = "www.hoevedierickx.be"
    db.session.commit()

    response = client.get("/producenten/hoeve-dierickx")

    html = _text(response)
    assert response.status_code == 200
    assert "<title>Hoeve Dierickx – Eeklo · Lekker Oost-Vlaams</title>" in html
    assert "<h1>Hoeve Dierickx</h1>" in html
    assert "<p>Sinds 1920 maken we kaas.</p>" in html and "<p>Met melk van eigen koeien.</p>" in html
    assert '<span class="badge badge--label">Bio</span>' in html
    assert "Dorpsstraat 1<br>9900 Eeklo" in html
    assert "Vrijdag 14–18 u, zaterdag 9–12 u" in html
    assert '<a href="https://www.hoevedierickx.be" rel="noopener noreferrer external">www.hoevedierickx.be</a>' in html
    assert 'href="/producenten?streek=meetjesland">Meetjesland</a>' in html
    assert 'href="/producenten?gemeente=eeklo"' in html


def test_producer_page_lists_published_products_and_links_the_filtered_list(client, province):
    html = _text(client.get("/producenten/kaasmakerij-vermeulen"))
    assert "Vergeten bier" not in html  # a draft
    assert "heeft op dit moment geen producten in de webshop" in html

    html = _text(client.get("/producenten/hoeve-dierickx"))
    assert 'href="/producten/oude-hoevekaas-' in html
    assert 'href="/producten?producent=hoeve-dierickx"' in html
    assert "Het product van Hoeve Dierickx" in html


def test_producer_page_has_a_small_map_with_its_place(client, province):
    html = _text(client.get("/producenten/brouwerij-de-moorsel"))

    svg = _svg(html)
    assert "province-map--compact" in html
    assert svg.count('class="province-map__dot"') == 1
    assert "<a " not in svg  # nothing to click on the small map


@pytest.mark.parametrize("slug", ["bestaat-niet", "gestopte-hoeve", "x" * 500, "hoeve%00dierickx"])
def test_unknown_or_inactive_producer_is_not_found(client, province, slug):
    response = client.get(f"/producenten/{slug}")

    assert response.status_code == 404


def test_producer_pages_show_translated_region_names(client, province):
    client.get("/taal/fr")

    html = _text(client.get("/producenten/hoeve-dierickx"))

    assert '<html lang="fr">' in html
    assert "Pays de Meetjes" in html


# --- a fixed number of queries --------------------------------------------------------------------


def _grow(db, count: int) -> None:
    dierickx = db.session.scalars(select(Producer).where(Producer.slug == "hoeve-dierickx")).one()
    eeklo = dierickx.municipality
    bio = make_label("bio", "Bio")
    ambacht = make_label("ambachtelijk", "Ambachtelijk")
    for i in range(count):
        producer = make_producer(f"Extra {i}", municipality=eeklo, labels=[bio, ambacht])
        make_product(f"Extra kaas {i}", producer=producer, category=make_category("Zuivel", slug="zuivel"))
        make_product(f"Ander product {i}", producer=dierickx)


def test_directory_and_producer_page_use_a_fixed_number_of_queries(client, province, db):
    with count_queries(db) as small_list:
        client.get("/producenten?streek=meetjesland&categorie=zuivel")
    with count_queries(db) as small_page:
        client.get("/producenten/hoeve-dierickx")

    _grow(db, 8)
    db.session.commit()

    with count_queries(db) as big_list:
        client.get("/producenten?streek=meetjesland&categorie=zuivel")
    with count_queries(db) as big_page:
        client.get("/producenten/hoeve-dierickx")

    assert len(big_list) == len(small_list)
    assert len(big_page) == len(small_page)


# --- pages of the directory -------------------------------------------------------------------------


def _many_producers(db, count: int) -> None:
    """``count`` more active producers in Eeklo and Aalst (by name: Extra 00, Extra 01, ...)."""
    from shop.catalog.models import Municipality

    eeklo = db.session.scalars(select(Municipality).where(Municipality.slug == "eeklo")).one()
    aalst = db.session.scalars(select(Municipality).where(Municipality.slug == "aalst")).one()
    for i in range(count):
        make_producer(f"Extra {i:02d}", municipality=eeklo if i % 2 else aalst, slug=f"extra-{i:02d}")
    db.session.commit()


def test_directory_lists_24_producers_a_page_and_the_map_shows_them_all(client, province, db):
    _many_producers(db, 26)  # 30 active producers: Aalst 14, Eeklo 15, Maldegem 1

    first = _text(client.get("/producenten"))
    second = _text(client.get("/producenten?pagina=2"))

    aalst = ["Brouwerij De Moorsel"] + [f"Extra {i:02d}" for i in range(0, 26, 2)]
    eeklo = [f"Extra {i:02d}" for i in range(1, 26, 2)] + ["Hoeve Dierickx", "Kaasmakerij Vermeulen"]
    assert _listed(first) == (aalst + eeklo)[:24]
    assert _listed(second) == (aalst + eeklo)[24:] + ["Zuivelhoeve Bruggeman"]
    assert re.search(r'role="status">\s*30 producenten\s*<', second)
    assert "– pagina 2 ·" in second  # the title names the page
    for html in (first, second):
        assert len(_markers(_svg(html))) == 30


def test_directory_pages_link_like_the_products_list_and_keep_the_filter(client, province, db):
    _many_producers(db, 26)

    first = _text(client.get("/producenten"))
    filtered = _text(client.get("/producenten?streek=denderstreek"))  # Aalst: 14 producers, one page

    assert '<a aria-current="page" href="/producenten">' in first  # page 1 keeps its address
    assert '<a rel="next" href="/producenten?pagina=2">Volgende</a>' in first
    assert 'rel="prev"' not in first
    assert 'class="pagination"' not in filtered
    second = _text(client.get("/producenten?streek=meetjesland&pagina=2"))  # 16 producers: 24 a page, one page
    assert "Pagina 2 bestaat niet; we tonen de laatste pagina (1)." in second


def test_directory_page_links_carry_the_filters(client, province, db):
    _many_producers(db, 60)  # Eeklo 30 + 2

    html = _text(client.get("/producenten?streek=meetjesland"))

    assert 'href="/producenten?streek=meetjesland&amp;pagina=2"' in html
    assert _listed(_text(client.get("/producenten?streek=meetjesland&pagina=2")))[-1] == "Zuivelhoeve Bruggeman"


def test_municipality_index_jumps_to_the_page_where_the_municipality_starts(client, province, db):
    _many_producers(db, 26)
    make_producer("Hoeve Zele", municipality=make_municipality("Zele", slug="zele"), slug="hoeve-zele")
    make_producer("Hoeve Assenede", municipality=make_municipality("Assenede", slug="assenede"), slug="hoeve-assenede")
    db.session.commit()

    html = _text(client.get("/producenten"))

    index = re.search(r'<nav class="municipality-index".*?</nav>', html, re.S).group(0)
    assert re.findall(r'href="([^"]*)"', index) == [
        "#gemeente-aalst", "#gemeente-assenede", "#gemeente-eeklo", "/producenten?pagina=2#gemeente-maldegem",
        "/producenten?pagina=2#gemeente-zele",
    ]
    assert 'id="gemeente-maldegem"' in _text(client.get("/producenten?pagina=2"))


@pytest.mark.parametrize("page", ["abc", "0", "-1"])
def test_a_page_that_is_no_number_shows_the_first_with_a_notice(client, province, page):
    html = _text(client.get(f"/producenten?pagina={page}"))

    assert "Ongeldig paginanummer; we tonen de eerste pagina." in html
    assert len(_listed(html)) == 4


def test_directory_counts_and_map_follow_every_change_of_the_catalogue(client, province, db):
    """The directory's counts (with no filter or one) and its map's markup are kept between visits until what they
    show changes: a producer who stops, a product published and a producer renamed each show at the next visit."""
    from shop.catalog.models import Product

    def seen(path: str = "/producenten") -> tuple:
        html = _text(client.get(path))
        markers = [name for _href, name, _x, _y in _markers(_svg(html))]
        return _facet(html, "streek", "meetjesland"), _facet(html, "categorie", "drank"), sorted(markers)

    assert seen() == (("Meetjesland", 3), ("Drank", 1), ["Brouwerij De Moorsel", "Hoeve Dierickx",
                                                         "Kaasmakerij Vermeulen", "Zuivelhoeve Bruggeman"])
    assert seen("/producenten?streek=meetjesland")[1] is None  # its only beer is a draft

    province["bruggeman"].active = False
    db.session.commit()
    assert seen() == (("Meetjesland", 2), ("Drank", 1), ["Brouwerij De Moorsel", "Hoeve Dierickx",
                                                         "Kaasmakerij Vermeulen"])

    beer = db.session.scalars(select(Product).where(Product.name == "Vergeten bier")).one()
    beer.status = ProductStatus.PUBLISHED
    db.session.commit()
    assert seen()[1] == ("Drank", 2)
    assert _facet(_text(client.get("/producenten?streek=meetjesland")), "categorie", "drank") == ("Drank", 1)

    province["dierickx"].name = "Hoeve Dierickx-De Smet"
    db.session.commit()
    assert "Hoeve Dierickx-De Smet" in seen()[2]


def test_a_long_municipality_facet_shows_its_top_values_and_links_to_all_of_them(client, province, db):
    """23 municipalities: the facet shows the six with the most producers (and a ticked one), the others behind a
    link to the same page with the facet opened, which keeps the filters and shows every value (no script)."""
    for i in range(20):
        town = make_municipality(f"Dorp {i:02d}", slug=f"dorp-{i:02d}")
        for j in range(3 if i < 6 else 1):
            make_producer(f"Hoeve {i}-{j}", municipality=town, slug=f"hoeve-{i}-{j}")
    db.session.commit()

    html = _text(client.get("/producenten?gemeente=maldegem"))

    offered = re.findall(r'id="f-gemeente-([a-z0-9-]+)"', html)
    assert offered == ["dorp-00", "dorp-01", "dorp-02", "dorp-03", "dorp-04", "dorp-05", "maldegem"]
    assert _checked(html, "gemeente", "maldegem")
    assert 'href="/producenten?gemeente=maldegem&amp;toon=gemeente#facet-gemeente">Toon alle 23</a>' in html

    opened = _text(client.get("/producenten?gemeente=maldegem&toon=gemeente"))

    assert len(re.findall(r'id="f-gemeente-', opened)) == 23
    assert _facet(opened, "gemeente", "eeklo") == ("Eeklo", 2)
    assert _listed(opened) == ["Zuivelhoeve Bruggeman"]


def test_directory_keeps_its_places_and_labels_until_the_catalogue_changes(client, province, db):
    """Regions, municipalities, localities, categories and labels are read once and kept (a later visit reads only its
    producers), until one of them changes: a label and a region renamed show at the next visit."""
    from shop.catalog.models import Label, Region

    html = _text(client.get("/producenten?pagina=1"))
    with count_queries(db) as statements:
        again = _text(client.get("/producenten?bezoek=2"))  # another address: not the cached page

    assert '<li class="tag">Bio</li>' in html
    assert len(statements) == 2  # the producers, and this page's labels: no places, names or counts
    assert "FROM producers" in statements[0] and "FROM producer_labels" in statements[1]
    assert _facet(again, "streek", "meetjesland") == ("Meetjesland", 3)

    db.session.scalars(select(Label).where(Label.slug == "bio")).one().name = "Biologisch"
    db.session.scalars(select(Region).where(Region.slug == "meetjesland")).one().name = "Het Meetjesland"
    db.session.commit()

    html = _text(client.get("/producenten?pagina=1"))
    assert '<li class="tag">Biologisch</li>' in html
    assert _facet(html, "streek", "meetjesland") == ("Het Meetjesland", 3)
