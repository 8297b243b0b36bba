"""Add-to-cart in process, as the bench's wrk script does it: a new visitor each time posts the product page's form
(its CSRF token, CSRF checked) without a cart cookie. Prints the median SQL statements and time per POST, and with
``--profile`` the functions that cost the most (cProfile, cumulative).

    python -m bench.cart_profile sqlite:///bench/.work/bench_s1.db --visitors 200 [--profile 30] [--show-sql]

The shop runs with the development settings of the environment (SHOP_REDIS_URL is used when set, as on the bench).

With ``--serve PORT`` it measures under gunicorn instead, as the bench does (the shop's gunicorn.conf.py, the bench's
environment, wrk with bench/lua/cart.lua at 16 connections), and also prints the CPU time the workers spent per
request: on a machine shared with other work, requests per second follow the load, CPU per request far less.

    python -m bench.cart_profile sqlite:////tmp/copy.db --serve 9320 [--seconds 5] [--runs 3] [--floor]

With ``--floor`` it then measures, the same way, what Flask alone reaches for the same POST (bench/cart_floor.py:
no database, then the shop's statements through sqlite3) and the ceiling, and prints each one's share of it.
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
    parser.add_argument("--serve", type=int, metavar="PORT", help="measure under gunicorn + wrk on this port")
    parser.add_argument("--seconds", type=int, default=5, help="with --serve: length of one wrk run (default 5)")
    parser.add_argument("--runs", type=int, default=3, help="with --serve: wrk runs, each reported (default 3)")
    parser.add_argument("--connections", type=int, default=16, help="with --serve: wrk connections (default 16)")
    parser.add_argument("--floor", action="store_true",
                        help="with --serve: also the floor (bench/cart_floor.py) and the ceiling, the same way")
    args = parser.parse_args()
    if args.serve:
        serve(args)
        return

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
    cpu_started = time.process_time()
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
    cpu = (time.process_time() - cpu_started) / len(visitors)
    ordered = sorted(seconds)

    def ms(share: float) -> str:
        return f"{ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000:.2f} ms"

    print(f"add-to-cart, {len(visitors)} new visitors, {path}: median {statistics.median(counts)} SQL statements "
          f"(min {min(counts)}, max {max(counts)}); time per POST median {statistics.median(seconds) * 1000:.2f} ms, "
          f"p90 {ms(0.9)}, p99 {ms(0.99)}; CPU {cpu * 1000:.2f} ms per POST (the test client's part included)")
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


def serve(args) -> None:
    """Add-to-cart under gunicorn with wrk, as bench.run measures it; prints req/s, latency and worker CPU per
    request of each run. With ``--floor``, then the same for the floor (bench/cart_floor.py: Flask alone, without
    and with the shop's writes through sqlite3) and the ceiling (bench/ceiling.py answering the products page's
    bytes), each under the same gunicorn settings and wrk script, with each one's share of the ceiling."""
    import os
    import shutil

    from bench import pages, servers

    env = servers.shop_env("sqlite" if args.url.startswith("sqlite") else "postgresql", args.url,
                           "http://127.0.0.1:9", instance=servers.WORK / "instance")
    server = servers.start_gunicorn("cart-profile", "shop.wsgi:app", env, args.serve)
    results = {}
    try:
        from shop import create_app

        path = f"/producten/{args.product}" if args.product else _first_product_path(
            create_app({"ENV_NAME": "development", "SQLALCHEMY_DATABASE_URI": args.url}))
        workers = _children(server.process.pid)
        visitors = pages.harvest_visitors(server.url, path, args.visitors)
        pages.post_to_cart(server.url, visitors[: 2 * len(workers)])  # each worker's first carts, as the bench
        products_page = servers.WORK / "cart-profile-products.html"
        products_page.write_bytes(requests_get(server.url + "/producten"))
        print(f"add-to-cart under gunicorn ({len(workers)} workers), {path}, wrk {args.connections} connections, "
              f"{args.seconds} s per run; load {os.getloadavg()[0]:.2f}")
        results["shop"] = _wrk_runs(args, server.url, workers, visitors, "the shop")
    finally:
        server.stop()
    if not args.floor:
        return
    product_id = visitors[0][2]
    floors = [("floor", {}), ("floor-sqlite", {})]
    if args.url.startswith("sqlite:///"):
        copy = servers.WORK / "cart-floor.db"
        shutil.copyfile(args.url.removeprefix("sqlite:///"), copy)
        floors[1] = ("floor-sqlite", {"BENCH_FLOOR_DB": str(copy)})
    else:
        floors.pop()
    config = str(servers.ROOT / "bench" / "ceiling_gunicorn.conf.py")
    for name, extra in floors:
        floor = servers.start_gunicorn(name, "bench.cart_floor:app", os.environ | extra, None, config=config)
        try:
            floor_visitors = pages.harvest_visitors(floor.url, f"/producten/{product_id}", args.visitors)
            label = "Flask alone" + (", the shop's statements through sqlite3" if extra else ", no database")
            results[name] = _wrk_runs(args, floor.url, _children(floor.process.pid), floor_visitors, label)
        finally:
            floor.stop()
    ceiling = servers.start_gunicorn("ceiling", "bench.ceiling:app",
                                     os.environ | {"BENCH_CEILING_BODY": str(products_page)}, None, config=config)
    try:
        results["ceiling"] = _wrk_runs(args, ceiling.url, _children(ceiling.process.pid), None,
                                       "ceiling (the products page's bytes)")
    finally:
        ceiling.stop()
    top = statistics.median(results["ceiling"])
    print("median req/s and share of the ceiling: " + ", ".join(
        f"{name} {statistics.median(rates):.0f} ({100 * statistics.median(rates) / top:.1f} %)"
        for name, rates in results.items()))


def requests_get(url: str) -> bytes:
    import requests

    response = requests.get(url, timeout=60)
    response.raise_for_status()
    return response.content


def _wrk_runs(args, url: str, workers: list[int], visitors, label: str) -> list[float]:
    """``args.runs`` wrk runs against ``url``: add-to-cart by ``visitors`` (bench/lua/cart.lua), or plain GETs of
    ``/`` when None (the ceiling). Prints each run; returns their requests per second."""
    import os
    import subprocess
    import tempfile

    from bench import servers
    from bench.measure import parse_wrk
    from bench.run import LUA, settle

    script = (LUA / "report.lua").read_text() + ("\n" + (LUA / "cart.lua").read_text() if visitors else "")
    pairs = servers.WORK / "cart-profile-visitors.tsv"
    if visitors:
        pairs.write_text("".join("\t".join(v) + "\n" for v in visitors))
    target = url + ("/winkelmand/toevoegen" if visitors else "/")
    threads = max(1, min(args.connections, os.cpu_count() or 1, 4))
    print(f"{label}:")
    rates = []
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        for _ in range(args.runs):
            before = _cpu_seconds(workers)
            before_split = _cpu_split(workers)
            done = subprocess.run(["wrk", f"-t{threads}", f"-c{args.connections}", f"-d{args.seconds}s",
                                   "--timeout", "30s", "-s", handle.name, target],
                                  capture_output=True, text=True, env=os.environ | {"BENCH_CART_PAIRS": str(pairs)})
            run = parse_wrk(done.stdout + done.stderr)
            if visitors:
                settle(url)
            cpu = _cpu_seconds(workers) - before
            user, system = (after - earlier for after, earlier in zip(_cpu_split(workers), before_split, strict=True))
            per = 1000 / max(1, run.requests)
            rates.append(run.rps)
            print(f"  {run.rps:8.1f} req/s  p50 {run.p50_ms:6.2f} ms  p99 {run.p99_ms:6.2f} ms  "
                  f"worker CPU {cpu * per:.3f} ms per request (user {user * per:.3f}, system {system * per:.3f}) "
                  f"({run.requests} requests, {run.errors} errors, {run.non_2xx_3xx} non-2xx/3xx)")
    finally:
        os.unlink(handle.name)
    return rates


def _children(pid: int) -> list[int]:
    """The worker processes of the gunicorn arbiter ``pid``."""
    import os

    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def _cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time of these processes so far."""
    return sum(_cpu_split(pids))


def _cpu_split(pids: list[int]) -> tuple[float, float]:
    """User and system CPU time of these processes so far, apart."""
    import os

    user = system = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
        user += int(fields[11])
        system += int(fields[12])
    ticks = os.sysconf("SC_CLK_TCK")
    return user / ticks, system / ticks


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
