"""Add-to-cart in process, as the bench's wrk script does it: a new visitor each time posts the product page's form
(its CSRF token, CSRF checked) without a cart cookie. Prints the median SQL statements and time per POST, and with
``--profile`` the functions that cost the most (cProfile, cumulative).

    python -m bench.cart_profile sqlite:///bench/.work/bench_s1.db --visitors 200 [--profile 30] [--show-sql]

The shop runs with the development settings of the environment (SHOP_REDIS_URL is used when set, as on the bench).
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import pstats
import re
import statistics
import time

from sqlalchemy import event, select

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PRODUCT_ID = re.compile(r'name="product_id" value="(\d+)"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="database URL of a seeded shop (bench/.work/bench_s1.db, bench_s1 ...)")
    parser.add_argument("--visitors", type=int, default=200, help="new visitors, one POST each (default 200)")
    parser.add_argument("--product", help="product slug (default: the first orderable product of /producten)")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print the N costliest functions")
    parser.add_argument("--dump", metavar="FILE", help="with --profile: also write the profile to FILE (pstats)")
    parser.add_argument("--show-sql", action="store_true", help="print the statements of the last POST")
    args = parser.parse_args()

    from shop import create_app
    from shop.extensions import db

    app = create_app({"ENV_NAME": "development", "SQLALCHEMY_DATABASE_URI": args.url, "WTF_CSRF_ENABLED": True,
                      "STRIPE_SECRET_KEY": None, "LOG_LEVEL": "WARNING"})
    logging.getLogger("shop").setLevel(logging.WARNING)
    path = f"/producten/{args.product}" if args.product else _first_product_path(app)
    visitors = []
    for _ in range(args.visitors):  # harvested beforehand, like bench.pages.harvest_visitors
        client = app.test_client()
        body = client.get(path).get_data(as_text=True)
        visitors.append((client, CSRF.search(body).group(1), PRODUCT_ID.search(body).group(1)))

    statements: list[str] = []
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, sql, *_a: statements.append(sql))
    counts, seconds = [], []
    profiler = cProfile.Profile() if args.profile else None
    for client, token, product_id in visitors:
        statements.clear()
        if profiler:
            profiler.enable()
        started = time.perf_counter()
        response = client.post("/winkelmand/toevoegen", data={"csrf_token": token, "product_id": product_id,
                                                               "quantity": "1", "next": path})
        elapsed = time.perf_counter() - started
        if profiler:
            profiler.disable()
        assert response.status_code == 303 and "lov_cart=" in response.headers.get("Set-Cookie", ""), (
            response.status_code, response.headers)
        counts.append(len(statements))
        seconds.append(elapsed)
    ordered = sorted(seconds)

    def ms(share: float) -> str:
        return f"{ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000:.2f} ms"

    print(f"add-to-cart, {len(visitors)} new visitors, {path}: median {statistics.median(counts)} SQL statements "
          f"(min {min(counts)}, max {max(counts)}); time per POST median {statistics.median(seconds) * 1000:.2f} ms, "
          f"p90 {ms(0.9)}, p99 {ms(0.99)}")
    if args.show_sql:
        for sql in statements:
            print("  ", " ".join(sql.split())[:200])
    if profiler:
        stats = pstats.Stats(profiler)
        print(f"function calls per POST (a measure the machine's load does not change): "
              f"{stats.total_calls / len(visitors):.0f}")
        if args.dump:
            profiler.dump_stats(args.dump)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile)


def _first_product_path(app) -> str:
    from shop.catalog.models import Product
    from shop.extensions import db

    with app.app_context():
        products = db.session.scalars(select(Product).order_by(Product.id)).all()
        for product in products:
            if product.is_for_sale and product.stock > 10:
                return f"/producten/{product.slug}"
    raise SystemExit("no orderable product with stock")


if __name__ == "__main__":
    main()
