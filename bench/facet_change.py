"""How long the products list is slow after a change of one product: the facet index of the catalogue's generation is
brought up to date per product, or built again in the background while the lists count with SQL.

    python -m bench.facet_change --db sqlite:///bench/.work/bench_s100.db [--change price] [--lists 12]
    python -m bench.facet_change --db postgresql+psycopg://postgres@127.0.0.1:5432/bench_s100 --change price

Never writes to the database named: a SQLite file is copied to a temporary folder first, a PostgreSQL database is
copied with ``CREATE DATABASE ... TEMPLATE`` (it must have no other connection meanwhile) and dropped at the end.
The shop runs in this process as under gunicorn (builds in a thread, ``FACET_INDEX_IN_BACKGROUND``), without the
page cache (every list is rendered). After a warm-up (the first index built, the list rendered from it) one published
product is changed through the ORM as the portal's forms change it (``--change``: its price, its description, its
allergens, its name, hidden (its status), featured or no longer; or ``publish``: a hidden product published again),
committed, and the next ``--lists`` lists are timed one after the other, each by a new
visitor: wall and CPU time of this process, the database's time (in the driver), and whether the facet index
answered or the list counted with SQL; then the time until the index of the new generation was there.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid

from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import make_url

LISTS = ("/producten", "/producten?categorie=zuivel&zonder=gluten", "/producten?prijs_min=5&prijs_max=20")


def _copy(url: str, folder: str) -> tuple[str, callable]:
    """A copy of the database at ``url``, and how to drop it."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        target = os.path.join(folder, "copy.db")
        shutil.copyfile(parsed.database, target)
        return str(parsed.set(database=target)), lambda: None
    name = f"fb_copy_{uuid.uuid4().hex[:8]}"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{parsed.database}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return parsed.set(database=name).render_as_string(hide_password=False), drop


def _change(kind: str) -> int:
    from shop.catalog.allergens import Presence
    from shop.catalog.models import Producer, Product, ProductAllergen, ProductStatus
    from shop.extensions import db

    product = db.session.scalars(select(Product).where(Product.status == ProductStatus.PUBLISHED)
                                 .order_by(Product.id).offset(1000)).first()
    if kind == "publish":
        product = db.session.scalars(select(Product).join(Product.producer).where(
            Product.status == ProductStatus.HIDDEN, Producer.active.is_(True)).order_by(Product.id)).first()
        product.status = ProductStatus.PUBLISHED
    elif kind == "hide":
        product.status = ProductStatus.HIDDEN
    elif kind == "featured":
        product.featured = not product.featured
    elif kind == "price":
        product.price_cents += 1
    elif kind == "description":
        product.description += " Nog lekkerder."
    elif kind == "allergen":
        if any(a.allergen == "celery" for a in product.allergens):
            product.allergens[:] = [a for a in product.allergens if a.allergen != "celery"]
        else:
            product.allergens.append(ProductAllergen(allergen="celery", presence=Presence.MAY_CONTAIN))
    elif kind == "name":
        product.name += " (nieuw)"
    db.session.commit()
    return product.id


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="database URL of a seeded catalogue (copied, never written)")
    parser.add_argument("--change", choices=("price", "description", "allergen", "name", "hide", "publish",
                                                       "featured"), default="price")
    parser.add_argument("--lists", type=int, default=12, help="lists timed after the change")
    args = parser.parse_args(argv)

    folder = tempfile.mkdtemp(prefix="facet-change-")
    url, drop = _copy(args.db, folder)
    try:
        from shop import create_app
        from shop.catalog import facet_index
        from shop.core.page_cache import catalogue_changed
        from shop.extensions import db

        app = create_app({"ENV_NAME": "development", "SQLALCHEMY_DATABASE_URI": url, "PAGE_CACHE": False,
                          "STRIPE_SECRET_KEY": None, "LOG_LEVEL": "WARNING", "FACET_INDEX_IN_BACKGROUND": True,
                          "PAGE_CACHE_GENERATION_FILE": os.path.join(folder, "generation")})
        logging.getLogger("shop").setLevel(logging.WARNING)
        with app.app_context():
            engine = db.engine
        in_database = [0.0]  # of this thread's statements (not the build's, in a thread of its own)
        started: list[float] = []
        me = threading.get_ident()

        @event.listens_for(engine, "before_cursor_execute")
        def _before(*_args, **_kwargs):
            if threading.get_ident() == me:
                started.append(time.perf_counter())

        @event.listens_for(engine, "after_cursor_execute")
        def _after(*_args, **_kwargs):
            if started and threading.get_ident() == me:
                in_database[0] += time.perf_counter() - started.pop()

        from shop.catalog import product_queries

        sql_counts = [0]
        real_counts = product_queries._counts

        def counts(*args, **kwargs):
            sql_counts[0] += 1
            return real_counts(*args, **kwargs)

        product_queries._counts = counts

        def current() -> bool:
            """Whether the index kept is the current generation's."""
            kept = app.extensions.get(facet_index.EXTENSION)
            return kept is not None and kept.generation == app.extensions["page_cache"].generation.read()

        def get(path: str):
            in_database[0] = 0.0
            begin, begin_cpu = time.perf_counter(), time.process_time()
            response = app.test_client().get(path)
            elapsed, cpu = time.perf_counter() - begin, time.process_time() - begin_cpu
            if response.status_code != 200:
                raise SystemExit(f"{path}: {response.status_code}")
            return elapsed, cpu, in_database[0]

        with app.app_context():  # a first note in the change log, so that the index has one to start from
            catalogue_changed("bench")
        get(LISTS[0])
        facet_index.wait_for_build(app)
        for path in LISTS:
            get(path)
        assert current()
        before = [get(path) for path in LISTS]
        print(f"{'list':<4} {'wall ms':>8} {'cpu ms':>8} {'db ms':>8}  counted by  path")
        for n, (path, (wall, cpu, database)) in enumerate(zip(LISTS, before, strict=True)):
            print(f"b{n:<3} {wall * 1000:8.1f} {cpu * 1000:8.1f} {database * 1000:8.1f}  index       {path}")

        with app.app_context():
            product_id = _change(args.change)
            db.session.remove()
        changed_at = time.perf_counter()
        print(f"-- {args.change} of product {product_id} changed and committed")
        back_at = None
        for n in range(args.lists):
            path = LISTS[n % len(LISTS)]
            counted_with_sql = sql_counts[0]
            wall, cpu, database = get(path)
            by_index = sql_counts[0] == counted_with_sql
            if by_index and back_at is None:
                back_at = time.perf_counter()
            print(f"{n:<4} {wall * 1000:8.1f} {cpu * 1000:8.1f} {database * 1000:8.1f}  "
                  f"{'index' if by_index else 'SQL':<11} {path}", flush=True)
        facet_index.wait_for_build(app)
        if back_at is None:
            get(LISTS[0])
            back_at = time.perf_counter()
        print(f"-- the index of the new generation answered {(back_at - changed_at) * 1000:.0f} ms after the commit")
        engine.dispose()
    finally:
        drop()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
