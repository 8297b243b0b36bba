"""The catalogue pages rendered without the page cache, timed in this process (issue 14's "uncached" figures
without gunicorn or wrk): one request at a time, each by a new visitor, the median of ``--runs``.

    python -m bench.inprocess --db sqlite:///bench/.work/bench_s100.db [--runs 5] [--bust] [--profile products]

Per page: the median wall time and CPU time of this process (the CPU time is steadier on a busy machine; the
database's own work shows in it on SQLite, not on PostgreSQL), the median time spent in the driver's execution of
the statements ("db ms": on PostgreSQL the wait for the server, planning and executing included, and the rows'
transfer; on SQLite the database's own work), the number of SQL statements and the HTML's size. ``--bust`` asks
each timed request with a query parameter no earlier request had, as the bench's uncached pass does
(``bench/lua/bust.lua``): whatever a process keeps per URL is then of no help.
``--terms "kaas,appel peer"`` adds a search page per term (key ``search:TERM``), with ``--filters`` (a query string,
e.g. ``streek=meetjesland&zonder=gluten``) added to each; ``--new-terms`` forgets the search terms the facet index
has read before each timed request, so that every search is a term the process has not met (the cost of a first
search for a term, which ``--bust`` alone does not show: the index keeps a term's matches per build).
``--profile KEY`` (a page key, see ``bench.pages.choose_pages``) prints cProfile's top functions for that page
instead; ``--sql KEY`` prints its statements, each run again on its own and timed to its last row.
The database must hold a seeded catalogue (``seed_producers.py --scale N``, or a run of ``python -m bench``).
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import pstats
import statistics
import sys
import time
import urllib.parse

from sqlalchemy import event

from bench.pages import ADD_TO_CART, Page, choose_pages, deep_page_number, resolve


def _app(url: str):
    from shop import create_app

    # The facet index built in the first request (the warm-up), not in a thread: every measured request uses it.
    app = create_app({"ENV_NAME": "development", "SQLALCHEMY_DATABASE_URI": url, "PAGE_CACHE": False,
                      "STRIPE_SECRET_KEY": None, "LOG_LEVEL": "WARNING", "FACET_INDEX_IN_BACKGROUND": False})
    logging.getLogger("shop").setLevel(logging.WARNING)
    # The collector as shop/wsgi.py sets it for gunicorn's workers (the loaded app frozen, a higher threshold).
    from shop.core.garbage_collection import tune_for_serving

    tune_for_serving()
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="database URL of a seeded catalogue")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pages", default="", help="page keys, comma-separated (default: every page)")
    parser.add_argument("--profile", default="", help="print cProfile's top functions for this page key")
    parser.add_argument("--sql", default="", help="print the SQL statements of this page key with their times")
    parser.add_argument("--bust", action="store_true",
                        help="each timed request with a query parameter no earlier request had (as bust.lua)")
    parser.add_argument("--terms", default="", help="search pages for these terms, comma-separated")
    parser.add_argument("--filters", default="", help="a query string added to each page of --terms")
    parser.add_argument("--new-terms", action="store_true",
                        help="forget the facet index's search terms before each timed request")
    args = parser.parse_args(argv)

    from shop.extensions import db

    pages = [p for p in choose_pages(args.db) if p.key != ADD_TO_CART]
    for term in (t.strip() for t in args.terms.split(",") if t.strip()):
        query = urllib.parse.urlencode({"q": term}) + (f"&{args.filters}" if args.filters else "")
        pages.append(Page(f"search:{term}", f"search `?q={term}`", f"/producten?{query}"))
    app = _app(args.db)
    statements: list[tuple[str, object]] = []
    in_database = [0.0]  # seconds inside the driver's execute since the last request began
    started: list[float] = []

    with app.app_context():
        engine = db.engine
    # Each request below pushes its own app context, as under gunicorn: an app context held around them would be
    # shared by all of them, and with it ``g`` (Flask-Babel's locale, any per-request memo), flattering the figures.
    @event.listens_for(engine, "before_cursor_execute")
    def _before(_conn, _cursor, statement, parameters, *_args, **_kwargs):
        statements.append((statement, parameters))
        started.append(time.perf_counter())

    @event.listens_for(engine, "after_cursor_execute")
    def _after(*_args, **_kwargs):
        if started:
            in_database[0] += time.perf_counter() - started.pop()

    busted = [0]

    def get(path: str, bust: bool = False):
        statements.clear()
        in_database[0] = 0.0
        if bust:
            busted[0] += 1
            path += ("&" if "?" in path else "?") + f"bench=inprocess-{busted[0]}"
        if args.new_terms:
            from shop.catalog.facet_index import EXTENSION

            index = app.extensions.get(EXTENSION)
            if index is not None:
                index.terms.clear()
        client = app.test_client()  # a new visitor: no cookie of an earlier request
        begin, begin_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        elapsed, cpu = time.perf_counter() - begin, time.process_time() - begin_cpu
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code}")
        return response, elapsed, cpu

    first = get("/producten")[0]
    pages = resolve(pages, deep_page_number(first.get_data(as_text=True)))
    terms = [p.key for p in pages if p.key.startswith("search:")]
    wanted = [k for k in args.pages.split(",") if k] + terms or [p.key for p in pages]
    pages = [p for p in pages if p.key in wanted or p.key in (args.profile, args.sql)]

    if args.profile or args.sql:
        page = next(p for p in pages if p.key in (args.profile, args.sql))
        get(page.path)  # warm
        if args.sql:
            get(page.path)
            event.remove(engine, "before_cursor_execute", _before)
            with engine.connect() as connection:
                for statement, parameters in list(statements):
                    times = []
                    for _ in range(3):
                        begin = time.perf_counter()
                        rows = connection.exec_driver_sql(statement, parameters).fetchall()
                        times.append(time.perf_counter() - begin)
                    print(f"{statistics.median(times) * 1000:8.2f} ms {len(rows):6d} rows  "
                          f"{' '.join(statement.split())[:600]}")
            return 0
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.runs):
            get(page.path)
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(45)
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(25)
        return 0

    width = max([15, *(len(p.key) for p in pages)])
    print(f"{'page':<{width}} {'wall ms':>8} {'cpu ms':>8} {'db ms':>8} {'queries':>7} {'KB':>6}  path")
    for page in pages:
        get(page.path, args.bust)  # warm: templates compiled, connections open
        times, cpu_times, db_times = [], [], []
        for _ in range(args.runs):
            response, elapsed, cpu = get(page.path, args.bust)
            times.append(elapsed)
            cpu_times.append(cpu)
            db_times.append(in_database[0])
        print(f"{page.key:<{width}} {statistics.median(times) * 1000:8.1f} {statistics.median(cpu_times) * 1000:8.1f} "
              f"{statistics.median(db_times) * 1000:8.1f} {len(statements):7d} {len(response.data) / 1024:6.0f}  "
              f"{page.path}", flush=True)
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
