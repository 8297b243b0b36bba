"""Every catalogue page runs at most six SQL statements, and as many for a catalogue of 60 products as of 5."""

from shop.catalog.allergens import Presence
from shop.catalog.models import ProductImage
from shop.extensions import db
from tests.factories import (
    make_category,
    make_label,
    make_municipality,
    make_occasion,
    make_package,
    make_producer,
    make_product,
    make_region,
)
from tests.helpers import count_queries, empty_all_tables

MAX_QUERIES = 6


def make_catalogue(size: int) -> dict[str, str]:
    """``size`` products of three producers in two regions, with labels, allergens, images and a package; the
    addresses of the pages to count."""
    bio = make_label("bio", "Bio")
    regions = [make_region("meetjesland", "Meetjesland"), make_region("waasland", "Waasland")]
    top = make_category("Zuivel", slug="zuivel")
    categories = [make_category("Kaas", parent=top, slug="kaas"), make_category("Boter", parent=top, slug="boter")]
    producers = []
    for p in range(3):
        producer = make_producer(f"Hoeve {p}", municipality=make_municipality(f"Gemeente {p}", region=regions[p % 2]))
        producer.labels.append(bio)
        producers.append(producer)
    products = []
    for n in range(size):
        product = make_product(
            f"Hoevekaas {n}", producer=producers[n % 3], category=categories[n % 2], price_cents=300 + n,
            allergens={"milk": Presence.CONTAINS, "nuts": Presence.MAY_CONTAIN},
        )
        product.labels.append(bio)
        product.images.extend([ProductImage(path=f"static/img/{n}.jpg", position=i) for i in range(2)])
        products.append(product)
    package = make_package([(p, 1) for p in products[:5]])
    package.occasions.append(make_occasion())
    db.session.commit()
    return {
        "home": "/",
        "products": "/producten",
        "deep page": "/producten?pagina=2&per_pagina=2",
        "filtered": "/producten?categorie=zuivel&streek=meetjesland&zonder=gluten",
        "search": "/producten?q=kaas",
        "filtered search": "/producten?q=kaas&categorie=zuivel&zonder=gluten&sorteer=prijs_op",
        "every filter": "/producten?categorie=kaas&streek=meetjesland&gemeente=gemeente-0&label=bio"
        f"&producent={producers[0].slug}&zonder=gluten&voorraad=1&prijs_min=1&prijs_max=99&sorteer=prijs_af",
        "product": f"/producten/{products[0].slug}",
        "packages": "/pakketten",
        "package": f"/pakketten/{package.slug}",
        "producers": "/producenten",
        "filtered producers": "/producenten?streek=meetjesland&categorie=zuivel",
        "producer": f"/producenten/{producers[0].slug}",
    }


def queries_per_page(client, pages: dict[str, str]) -> dict[str, int]:
    counts = {}
    for name, url in pages.items():
        with count_queries(db.engine) as statements:
            response = client.get(url)
        assert response.status_code == 200, name
        counts[name] = len(statements)
    return counts


def test_every_catalogue_page_runs_at_most_six_queries_whatever_the_catalogue_size(client):
    small = queries_per_page(client, make_catalogue(5))
    db.session.remove()
    empty_all_tables()
    large = queries_per_page(client, make_catalogue(60))

    assert {page: n for page, n in large.items() if n > MAX_QUERIES} == {}
    assert large == small


def test_a_search_adds_a_fixed_number_of_queries_for_its_matches_and_the_packages(client):
    pages = make_catalogue(8)
    with count_queries(db.engine) as first:
        assert client.get(pages["products"]).status_code == 200
    with count_queries(db.engine) as statements:
        assert client.get("/producten?q=kaas").status_code == 200
    with count_queries(db.engine) as unfiltered:
        assert client.get(pages["deep page"]).status_code == 200

    assert len(statements) - len(unfiltered) == 3  # the matches; the packages, then their components
    assert len(first) - len(unfiltered) == 4  # the first list after a change builds the facet index
