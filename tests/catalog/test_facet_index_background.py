"""The facet index built again in a thread of its own after a change (``FACET_INDEX_IN_BACKGROUND``): the lists
count with SQL until the new index is done, so no visitor waits for a build, and a build overtaken by a change but
of stock is never used. The build is held at a gate (an event the test sets), never timed."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from shop.catalog import facet_index, product_queries
from shop.catalog.models import Product, ProductStatus
from shop.catalog.product_filters import parse_filters
from shop.catalog.product_queries import list_products
from shop.core.clock import shop_today
from tests.catalog.test_facet_counts import TODAY, listed, mixed_catalogue  # noqa: F401 (a fixture)
from tests.conftest import config_for_one_test

WAIT = 60  # seconds a test waits for the build thread before it fails (never a measure of anything)


@pytest.fixture
def background(app, mixed_catalogue, monkeypatch):  # noqa: F811 (the fixture imported above)
    """Builds in the background, each held at ``gate`` until the test opens it; counts the builds and the lists
    counted with SQL. The first index is built (not held) before the test."""
    state = {"builds": 0, "sql_counts": 0, "gate": threading.Event(), "started": threading.Event()}
    state["gate"].set()
    real_build, real_counts = facet_index.build_index, product_queries._counts

    def build(*args, **kwargs):
        state["builds"] += 1
        state["started"].set()
        assert state["gate"].wait(WAIT)
        return real_build(*args, **kwargs)

    def counts(*args, **kwargs):
        state["sql_counts"] += 1
        return real_counts(*args, **kwargs)

    monkeypatch.setattr(facet_index, "build_index", build)
    monkeypatch.setattr(product_queries, "_counts", counts)
    with config_for_one_test(app, {"FACET_INDEX_IN_BACKGROUND": True}):
        try:
            assert facet_index.usable_index(TODAY.month) is None  # no index yet: its build starts, SQL answers
            assert facet_index.wait_for_build(app, WAIT)
            assert facet_index.usable_index(TODAY.month) is not None
            state.update(builds=0, sql_counts=0)
            state["started"].clear()
            state["gate"].clear()
            yield state
        finally:
            state["gate"].set()  # never leave a thread waiting
            facet_index.wait_for_build(app, WAIT)


def _first_published(db):
    return db.session.scalars(select(Product).where(Product.status == ProductStatus.PUBLISHED)
                              .order_by(Product.id)).first()


def _listed_price(product_id: int) -> int | None:
    listing = list_products(parse_filters(MultiDict({"prijs_min": "98"}), per_page=50), today=TODAY)
    return next((p.price_cents for p in listing.products if p.id == product_id), None)


LISTS = ({}, {"prijs_min": ["50"]}, {"zonder": ["milk"]}, {"sorteer": ["prijs_af"]})


def _lists_agree() -> None:
    """Each of LISTS the same from the index (or SQL while it is built) as from SQL alone: two lists each."""
    for args in LISTS:
        assert listed(args, use_index=True) == listed(args, use_index=False), args


def test_a_price_change_is_listed_from_the_index_at_once_without_a_build(background, app, db):
    before = app.extensions[facet_index.EXTENSION]
    product = _first_published(db)
    product.price_cents = 99_00
    db.session.commit()

    assert _listed_price(product.id) == 99_00
    _lists_agree()
    assert background["builds"] == 0
    assert background["sql_counts"] == len(LISTS)  # only the use_index=False lists
    assert app.extensions[facet_index.EXTENSION].by_name is before.by_name


def _moved_and_listed(db):
    """A published product given a new price and a name that moves its place in the order by name (so the index
    is built again), committed, and a list asked: it counts with SQL and starts the build, held at the gate."""
    product = _first_published(db)
    product.price_cents = 99_00
    product.name = "Aaa eerst"
    db.session.commit()
    assert _listed_price(product.id) == 99_00
    return product


def test_a_change_of_place_is_listed_at_once_with_sql_and_later_from_the_index_built_meanwhile(background, app, db):
    before = app.extensions[facet_index.EXTENSION]
    # While the new index is being built (held at the gate), the lists count with SQL: the new price at once.
    product = _moved_and_listed(db)
    assert background["started"].wait(WAIT)
    _lists_agree()
    assert background["builds"] == 1  # one build at a time, however many lists asked meanwhile
    assert background["sql_counts"] == 2 * len(LISTS) + 1
    assert app.extensions[facet_index.EXTENSION] is before

    background["gate"].set()
    assert facet_index.wait_for_build(app, WAIT)
    counted_with_sql = background["sql_counts"]
    assert _listed_price(product.id) == 99_00
    assert background["sql_counts"] == counted_with_sql  # from the index now
    index = app.extensions[facet_index.EXTENSION]
    assert index is not before and index.by_name is not before.by_name
    _lists_agree()
    assert background["builds"] == 1


def test_a_build_overtaken_by_another_change_is_never_used(background, app, db):
    before = app.extensions[facet_index.EXTENSION]
    first = _moved_and_listed(db)
    assert background["started"].wait(WAIT)

    first.producer.active = not first.producer.active  # a change but of stock while the build runs
    db.session.commit()
    background["gate"].set()
    assert facet_index.wait_for_build(app, WAIT)
    assert app.extensions[facet_index.EXTENSION] is before  # the stale build was dropped

    assert listed({}, use_index=True) == listed({}, use_index=False)  # with SQL, and a new build starts
    assert background["builds"] == 2
    assert facet_index.wait_for_build(app, WAIT)
    counted_with_sql = background["sql_counts"]
    assert listed({}, use_index=True) == listed({}, use_index=False)
    assert background["sql_counts"] == counted_with_sql + 1  # only the use_index=False list
    assert app.extensions[facet_index.EXTENSION] is not before


def test_a_build_overtaken_by_a_sale_is_used_with_the_sale(background, app, db):
    from shop.inventory.models import MovementReason
    from shop.inventory.services import take_stock

    before = app.extensions[facet_index.EXTENSION]
    _moved_and_listed(db)
    assert background["started"].wait(WAIT)

    sold = db.session.scalars(select(Product).where(Product.stock > 0, Product.status == ProductStatus.PUBLISHED)
                              .order_by(Product.id)).first()
    take_stock({sold.id: sold.stock}, MovementReason.ORDER)  # sold out while the build runs
    db.session.commit()
    background["gate"].set()
    assert facet_index.wait_for_build(app, WAIT)
    built = app.extensions[facet_index.EXTENSION]
    assert built is not before

    counted_with_sql = background["sql_counts"]
    for args in ({}, {"voorraad": ["1"]}, {"prijs_min": ["50"]}):
        assert listed(args, use_index=True) == listed(args, use_index=False), args
    assert background["sql_counts"] == counted_with_sql + 3  # only the use_index=False lists
    assert app.extensions[facet_index.EXTENSION].by_name is built.by_name  # brought up to date, not built again
    assert background["builds"] == 1


def test_a_new_worker_starts_its_first_build_without_a_visitor(app, mixed_catalogue):  # noqa: F811
    app.extensions.pop(facet_index.EXTENSION, None)
    with config_for_one_test(app, {"FACET_INDEX_IN_BACKGROUND": True}):
        facet_index.start_building(app)
        assert facet_index.wait_for_build(app, WAIT)
        kept = app.extensions.get(facet_index.EXTENSION)
        assert kept is not None and kept.month == shop_today().month
        assert facet_index.usable_index(shop_today().month) is kept


def test_with_builds_in_requests_a_new_worker_starts_none(app, mixed_catalogue):  # noqa: F811
    app.extensions.pop(facet_index.EXTENSION, None)
    facet_index.start_building(app)
    assert facet_index.BUILDING not in app.extensions
    assert facet_index.EXTENSION not in app.extensions
