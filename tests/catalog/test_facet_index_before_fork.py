"""The facet index built once in gunicorn's arbiter before it forks its workers (``build_before_fork``, called by
gunicorn.conf.py's ``when_ready``): a worker starts with it and treats it like an index it kept while changes were
announced, so one whose notes since were dropped (the log kept only its last notes, or Redis started again) is built
again, never served stale; and a build that fails in the arbiter leaves each worker to build its own. The forked
workers themselves: tests/serving/test_index_before_fork.py."""

from __future__ import annotations

import logging

from sqlalchemy import event, select

from shop.catalog import facet_index
from shop.catalog.models import Product, ProductStatus
from shop.core.clock import shop_today
from tests.catalog.test_facet_counts import listed, mixed_catalogue  # noqa: F401 (a fixture)
from tests.conftest import config_for_one_test

LISTS = ({}, {"sorteer": ["naam"]}, {"prijs_min": ["50"]}, {"q": ["kaas"]})


def _lists_agree() -> None:
    today = shop_today()  # the month the index is built for (build_before_fork)
    for args in LISTS:
        assert listed(args, use_index=True, today=today) == listed(args, use_index=False, today=today), args


def test_the_index_built_before_the_fork_is_the_one_a_new_worker_serves(app, db, mixed_catalogue):  # noqa: F811
    app.extensions.pop(facet_index.EXTENSION, None)
    assert facet_index.build_before_fork(app)
    built = app.extensions[facet_index.EXTENSION]

    with config_for_one_test(app, {"FACET_INDEX_IN_BACKGROUND": True}):
        facet_index.start_building(app)  # what a new worker does first (gunicorn's post_worker_init)
        assert facet_index.BUILDING not in app.extensions  # no build started
        assert facet_index.usable_index(shop_today().month) is built
    _lists_agree()


def test_an_inherited_index_whose_notes_were_dropped_since_is_built_again(app, db, mixed_catalogue):  # noqa: F811
    app.extensions.pop(facet_index.EXTENSION, None)
    assert facet_index.build_before_fork(app)
    built = app.extensions[facet_index.EXTENSION]
    # Given two changes after the build: a name (built again), then a price (followed per product) ...
    published = db.session.scalars(select(Product).where(Product.status == ProductStatus.PUBLISHED)
                                   .order_by(Product.id)).all()
    last_by_name = max((p for p in published if p.producer.active), key=lambda p: (p.name, p.id))
    last_by_name.name = "Aaa eerst"
    db.session.commit()
    published[0].price_cents = 99_00
    db.session.commit()
    # ... and a change log that kept only the last note (the others dropped as too old: KEEP, or a Redis emptied)
    log = facet_index._change_log()
    with open(log.path, encoding="ascii") as file:
        lines = file.read().splitlines()
    assert len(lines) >= 3
    with open(log.path, "w", encoding="ascii") as file:
        file.write(lines[-1] + "\n")

    # Then the index is built again: following the price's note alone would list the old name.
    _lists_agree()
    assert app.extensions[facet_index.EXTENSION].by_name is not built.by_name


def test_a_build_that_fails_before_the_fork_leaves_each_worker_to_build_its_own(app, db, mixed_catalogue,  # noqa: F811
                                                                                 monkeypatch, caplog):
    app.extensions.pop(facet_index.EXTENSION, None)
    real_build = facet_index.build_index

    def unreachable(*args, **kwargs):
        raise ConnectionRefusedError("the database is down")

    monkeypatch.setattr(facet_index, "build_index", unreachable)
    with caplog.at_level(logging.WARNING, logger=facet_index.logger.name):
        assert not facet_index.build_before_fork(app)  # no exception: the shop starts
    assert "not built before the workers start (ConnectionRefusedError" in caplog.text
    assert facet_index.EXTENSION not in app.extensions

    monkeypatch.setattr(facet_index, "build_index", real_build)
    with config_for_one_test(app, {"FACET_INDEX_IN_BACKGROUND": True}):
        facet_index.start_building(app)  # the worker's own build, in a thread as before
        assert facet_index.wait_for_build(app, 60)
    assert app.extensions[facet_index.EXTENSION].month == shop_today().month
    _lists_agree()


def test_the_build_before_the_fork_leaves_no_connection_open(app, db, mixed_catalogue):  # noqa: F811
    """The arbiter forks right after it: a connection it kept open would be shared by every worker."""
    app.extensions.pop(facet_index.EXTENSION, None)
    db.session.commit()
    used, closed = [], []

    def on_checkout(connection, _record, _proxy):
        used.append(connection)

    def on_close(connection, _record):
        closed.append(connection)

    engine = db.engine
    event.listen(engine, "checkout", on_checkout)
    event.listen(engine, "close", on_close)
    try:
        assert facet_index.build_before_fork(app)
    finally:
        event.remove(engine, "checkout", on_checkout)
        event.remove(engine, "close", on_close)
    assert used and all(any(c is u for c in closed) for u in used)  # each connection the build used
    assert facet_index.BUILDING not in app.extensions  # and no thread runs


def test_an_index_built_before_the_fork_on_an_empty_change_log_follows_the_next_change_per_product(
        app, db, mixed_catalogue):  # noqa: F811
    """A new instance folder or an emptied Redis: the index still has a note to be brought up to date from, instead of
    every worker forked after the first change building its own again."""
    app.extensions.pop(facet_index.EXTENSION, None)
    with app.app_context():
        log = facet_index._change_log()
    open(log.path, "w").close()  # noqa: SIM115 - emptied
    assert facet_index.build_before_fork(app)
    built = app.extensions[facet_index.EXTENSION]

    product = db.session.scalars(select(Product).where(Product.status == ProductStatus.PUBLISHED)
                                 .order_by(Product.id)).first()
    product.price_cents = 99_00
    db.session.commit()

    _lists_agree()
    assert app.extensions[facet_index.EXTENSION].by_name is built.by_name  # brought up to date, not built again
