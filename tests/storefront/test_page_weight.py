"""The products page stays light whatever the catalogue's size (Lighthouse's DOM budget: under 800 elements):
long facets show their values with the most products and the selected ones, the rest behind "Toon alle";
the cards share one add-to-cart form; card photos carry their size and load lazily below the first row."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.factories import (
    make_category,
    make_label,
    make_municipality,
    make_package,
    make_producer,
    make_product,
    make_region,
)

FORM_CONTROLS = {"input", "select", "textarea", "button"}


class ElementCounter(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements = 0
        self.controls = 0
        self.inputs: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.elements += 1
        if tag in FORM_CONTROLS:
            self.controls += 1
        if tag == "input":
            self.inputs.append(dict(attrs))


def parse(html: str) -> ElementCounter:
    counter = ElementCounter()
    counter.feed(html)
    return counter


def facet_values(html: str, name: str) -> list[str]:
    """The values of one facet's checkboxes, in page order."""
    return re.findall(rf'<input type="checkbox" id="f-{name}-[^"]*" name="{name}" value="([^"]*)"', html)


@pytest.fixture
def big_catalogue(db):
    """20 producers in 20 municipalities over 8 regions, 12 top categories of 3 subcategories, 10 labels:
    more values in each facet than a page shows. Producer i has i % 3 + 1 products (39 visible products)."""
    regions = [make_region(f"streek-{r}", f"Streek {r}") for r in range(8)]
    municipalities = [make_municipality(f"Gemeente {m}", region=regions[m % 8], slug=f"gemeente-{m}") for m in range(20)]
    tops = [make_category(f"Hoofd {t}", slug=f"hoofd-{t}", position=t) for t in range(12)]
    subs = [make_category(f"Sub {t}-{s}", parent=tops[t], slug=f"sub-{t}-{s}", position=s)
            for t in range(12) for s in range(3)]
    labels = [make_label(f"label-{n}", f"Label {n}") for n in range(10)]
    products = []
    for p in range(20):
        producer = make_producer(f"Producent {p:02d}", municipality=municipalities[p], slug=f"producent-{p:02d}")
        producer.labels.append(labels[p % 10])
        for n in range(p % 3 + 1):
            products.append(make_product(f"Product {p:02d}-{n}", producer=producer, category=subs[len(products) % 36]))
    db.session.commit()
    return products


def test_the_products_page_stays_within_the_dom_budget_with_24_cards(client, big_catalogue):
    html = client.get("/producten").text
    page = parse(html)
    assert html.count('<article class="card product-card">') == 24
    assert page.elements < 800
    # The filters' checkboxes and fields, the three fields of the shared add-to-cart form, one button per card.
    assert page.controls < 100
    assert sum(1 for i in page.inputs if i.get("type") == "hidden") == 3


def test_a_long_facet_shows_the_values_with_the_most_products_and_links_to_all(client, big_catalogue):
    html = client.get("/producten").text
    # Producers 02, 05, 08, ... have three products each, the most: the first six of them, in name order.
    assert facet_values(html, "producent") == ["producent-02", "producent-05", "producent-08", "producent-11",
                                              "producent-14", "producent-17"]
    assert '<a href="/producten?toon=producent#facet-producent">Toon alle 20</a>' in html
    opened = client.get("/producten?toon=producent").text
    assert len(facet_values(opened, "producent")) == 20
    assert '<details class="facet__more" open>' in opened


def test_a_selected_value_is_shown_even_when_it_has_few_products(client, big_catalogue):
    html = client.get("/producten?producent=producent-00").text
    shown = facet_values(html, "producent")
    assert shown[0] == "producent-00" and len(shown) == 7
    assert '<input type="checkbox" id="f-producent-producent-00" name="producent" value="producent-00" checked>' in html


def test_subcategories_show_under_a_chosen_category_and_on_request(client, big_catalogue):
    html = client.get("/producten").text
    assert facet_values(html, "categorie") == [f"hoofd-{t}" for t in range(12)]
    assert '<a href="/producten?toon=categorie#facet-categorie">Toon alle 48</a>' in html
    chosen = client.get("/producten?categorie=hoofd-3").text
    assert [v for v in facet_values(chosen, "categorie") if v.startswith("sub-")] == ["sub-3-0", "sub-3-1", "sub-3-2"]
    assert len(facet_values(client.get("/producten?toon=categorie").text, "categorie")) == 48


def test_allergens_are_chosen_on_request_and_stay_shown_once_chosen(client, big_catalogue):
    html = client.get("/producten").text
    assert facet_values(html, "zonder") == []
    assert '<a href="/producten?toon=zonder#facet-zonder">Kies allergenen</a>' in html
    assert len(facet_values(client.get("/producten?toon=zonder").text, "zonder")) == 14
    assert facet_values(client.get("/producten?zonder=milk").text, "zonder") == ["milk"]


def test_a_short_facet_is_shown_whole(client, big_catalogue):
    html = client.get("/producten").text
    assert len(facet_values(html, "streek")) == 8
    assert 'href="/producten?toon=streek' not in html


def test_cards_post_through_one_shared_form(client, big_catalogue):
    html = client.get("/producten").text
    assert html.count('<form id="card-add" class="card-add-form" method="post" action="/winkelmand/toevoegen">') == 1
    buttons = re.findall(r'<button type="submit" form="card-add" name="product_id" value="(\d+)"', html)
    assert len(buttons) == 24
    product_id = buttons[0]
    token = re.search(r'<form id="card-add"[^>]*>\s*<input type="hidden" name="csrf_token" value="([^"]+)"', html)[1]
    response = client.post("/winkelmand/toevoegen", data={"csrf_token": token, "quantity": "1", "next": "/producten",
                                                          "product_id": product_id})
    assert response.status_code == 303 and response.headers["Location"] == "/producten"
    assert '<span class="cart-link__count">1<' in client.get("/producten").text


def test_card_photos_are_sized_and_only_the_first_row_loads_at_once(client, big_catalogue):
    html = client.get("/producten").text
    photos = re.findall(r'<img class="card__media" [^>]*>', html)
    assert len(photos) == 24
    assert all('width="400" height="300"' in photo and 'decoding="async"' in photo for photo in photos)
    assert ['fetchpriority="high"' in photo for photo in photos[:4]] == [True, True, False, False]
    assert not any('loading="lazy"' in photo for photo in photos[:4])
    assert all('loading="lazy"' in photo for photo in photos[4:])


def test_the_main_photo_of_a_product_or_package_page_loads_first(client, big_catalogue):
    package = make_package([(big_catalogue[0], 1)], name="Proefpakket")
    product_html = client.get(f"/producten/{big_catalogue[0].slug}").text
    assert re.search(r'<img src="[^"]+" alt="[^"]+" fetchpriority="high" width="800" height="600" decoding="async">|'
                     r'<img src="[^"]+" alt="[^"]+" width="800" height="600" fetchpriority="high" decoding="async">',
                     product_html)
    package_html = client.get(f"/pakketten/{package.slug}").text
    assert 'width="800" height="600" fetchpriority="high" decoding="async">' in package_html
    # The package's items further down wait until they near the screen.
    assert re.search(r'<img class="package-item__photo" [^>]* loading="lazy" decoding="async">', package_html)
