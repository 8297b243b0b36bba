"""Stock and the cached catalogue pages: a page says of a product's stock only "Op voorraad" until it comes down to
its last few (``catalog.product_queries.shown_stock``), and of a package only "Beschikbaar" until then
(``packages.queries.shown_available``). A sale or a correction that leaves those lines as they were keeps the
cached pages (in December, one order a second would otherwise throw every page away each second); one that changes
them invalidates the pages, like every other change of what a page shows.
"""

from __future__ import annotations

import re

import pytest

from shop.catalog.models import Product
from shop.core.page_cache import catalogue_changed
from shop.inventory.services import correct_stock
from shop.packages.models import Package
from tests.factories import (
    make_category,
    make_locality,
    make_municipality,
    make_order,
    make_package,
    make_producer,
    make_product,
    make_staff,
)

HIT = "hit"
# Per-visitor parts a copy is filled in with: the CSRF token of each form.
PER_VISITOR = re.compile(r'(name="csrf_token"[^>]*value=")[^"]*|(value=")[^"]*("[^>]*name="csrf_token")')


def _visit(app, path: str):
    with app.app_context():
        return app.test_client().get(path)


def _same(html: str) -> str:
    return PER_VISITOR.sub(lambda m: (m.group(1) or m.group(2)) + "…" + (m.group(3) or ""), html)


@pytest.fixture
def shelf(db):
    gent = make_municipality("Gent", slug="gent")
    make_locality("9000", "Gent", municipality=gent)
    category = make_category("Zuivel", slug="zuivel")
    producer = make_producer("Hoeve Voorraad", municipality=gent, slug="hoeve-voorraad")
    boter = make_product("Voorraadboter", producer=producer, category=category, slug="voorraadboter", stock=20,
                         price_cents=880)
    package = make_package([(boter, 2)], name="Boterpakket", slug="boterpakket", price_cents=2500)
    staff = make_staff()
    db.session.commit()
    return {"boter": boter, "package": package, "staff": staff}


PAGES = ("/", "/producten", "/producten?q=voorraadboter", "/producten/voorraadboter", "/pakketten",
         "/pakketten/boterpakket", "/producenten", "/producenten/hoeve-voorraad")


def _copies(app) -> dict[str, str]:
    copies = {}
    for path in PAGES:
        assert _visit(app, path).status_code == 200
        response = _visit(app, path)
        assert response.headers["X-Page-Cache"] == HIT, path
        copies[path] = response.get_data(as_text=True)
    return copies


def _sell(db, product_id: int, units: int) -> None:
    make_order((db.session.get(Product, product_id), units))
    db.session.commit()


def test_a_sale_that_leaves_every_stock_line_as_it_was_keeps_the_cached_pages_and_they_are_right(app, db, shelf):
    copies = _copies(app)

    _sell(db, shelf["boter"].id, 1)  # 20 → 19 units, the package 10 → 9: "Op voorraad", "Beschikbaar"

    for path in PAGES:
        response = _visit(app, path)
        assert response.headers["X-Page-Cache"] == HIT, path
    # The copies kept are what the shop renders now.
    catalogue_changed("test")
    for path in PAGES:
        response = _visit(app, path)
        assert response.headers["X-Page-Cache"] != HIT, path
        assert _same(response.get_data(as_text=True)) == _same(copies[path]), path


def test_a_correction_above_the_last_few_keeps_the_cached_pages(app, db, shelf):
    _copies(app)
    correct_stock(db.session.get(Product, shelf["boter"].id), 35, by=shelf["staff"], reason="geteld")
    db.session.commit()

    assert all(_visit(app, path).headers["X-Page-Cache"] == HIT for path in PAGES)


def test_a_product_coming_down_to_its_last_few_shows_on_its_page(app, db, shelf):
    correct_stock(db.session.get(Product, shelf["boter"].id), 7, by=shelf["staff"], reason="geteld")
    db.session.commit()
    page = _copies(app)["/producten/voorraadboter"]
    assert "Op voorraad" in page and 'max="99"' in page

    _sell(db, shelf["boter"].id, 2)  # 7 → 5
    page = _visit(app, "/producten/voorraadboter").get_data(as_text=True)
    assert "Nog 5 beschikbaar" in page and 'max="5"' in page

    _sell(db, shelf["boter"].id, 1)  # 5 → 4: every unit counts now
    page = _visit(app, "/producten/voorraadboter").get_data(as_text=True)
    assert "Nog 4 beschikbaar" in page and 'max="4"' in page


def test_a_package_coming_down_to_its_last_few_shows_though_its_product_has_plenty(app, db, shelf):
    correct_stock(db.session.get(Product, shelf["boter"].id), 13, by=shelf["staff"], reason="geteld")
    db.session.commit()
    copies = _copies(app)
    assert "Beschikbaar: nog" not in copies["/pakketten/boterpakket"]

    _sell(db, shelf["boter"].id, 2)  # 13 → 11 units ("Op voorraad"), the package 6 → 5

    page = _visit(app, "/pakketten/boterpakket").get_data(as_text=True)
    assert "Beschikbaar: nog 5 pakketten" in page and 'max="5"' in page
    assert "Op voorraad" in _visit(app, "/producten/voorraadboter").get_data(as_text=True)


def test_the_last_unit_sold_shows_the_product_and_its_package_sold_out(app, db, shelf):
    correct_stock(db.session.get(Product, shelf["boter"].id), 1, by=shelf["staff"], reason="geteld")
    db.session.commit()
    _copies(app)

    _sell(db, shelf["boter"].id, 1)

    assert "Uitverkocht" in _visit(app, "/producten/voorraadboter").get_data(as_text=True)
    assert "Tijdelijk uitverkocht" in _visit(app, "/pakketten/boterpakket").get_data(as_text=True)
    assert db.session.get(Package, shelf["package"].id) is not None
