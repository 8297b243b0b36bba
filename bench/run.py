"""The shop's benchmark, in one run (``make bench``; ``.venv/bin/python -m bench --help``).

Seeds benchmark databases (the demo catalogue at 1x, 10x, 100x; SQLite files under bench/.work and PostgreSQL
databases bench_s1, bench_s10, bench_s100), measures the ceiling (bench/ceiling.py) and each page under gunicorn
with gunicorn.conf.py and wrk, counts SQL queries per page in process, places orders through payment against the
test Stripe server, runs Lighthouse, and writes bench/results/latest.{json,md} and a plot. Targets are reported,
never asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from bench import lighthouse, orders, pages, report, servers
from bench.measure import parse_wrk, ratio_percent, summarise

ROOT = servers.ROOT
LUA = ROOT / "bench" / "lua"
STAGES = ("pages", "uncached", "orders", "lighthouse")
PACED_MIN_SECONDS = 60
PACED_PURCHASES = 3
QUICK_THINK = (0.1, 0.3)


def log(line: str) -> None:
    print(line, flush=True)


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _think(value: str) -> tuple[float, float]:
    try:
        return orders.parse_think(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _seconds_pair(pair: tuple[float, float]) -> str:
    return ",".join(f"{x:g}" for x in pair)


def order_seconds(args: argparse.Namespace, mode: str) -> float:
    """How long the buyers of ``mode`` buy: --order-seconds when given, else 3 x --seconds; the paced run at least
    PACED_MIN_SECONDS and the think time of PACED_PURCHASES purchases, so that each buyer makes several."""
    if args.order_seconds:
        return args.order_seconds
    if mode != "paced":
        return 3 * args.seconds
    low, high = args.think
    purchase = len(orders.STEPS) - 1  # pauses per purchase (one before arriving, one before each step but the webhook)
    return max(3 * args.seconds, PACED_MIN_SECONDS, round(PACED_PURCHASES * purchase * (low + high) / 2))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", type=_csv, default=list(STAGES),
                        help=f"stages, comma-separated (default all: {','.join(STAGES)})")
    parser.add_argument("--db", type=_csv, default=["sqlite", "postgresql"], help="sqlite,postgresql")
    parser.add_argument("--scales", type=lambda v: [int(x) for x in _csv(v)], default=[1, 10, 100],
                        help="catalogue sizes (default 1,10,100)")
    parser.add_argument("--seconds", type=int, default=10, help="length of one wrk run, whole seconds (default 10)")
    parser.add_argument("--runs", type=int, default=3, help="wrk runs per page; the median is reported (default 3)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers (default: gunicorn.conf.py's, 2 x cores + 1, at most 9)")
    parser.add_argument("--buyers", type=int, default=50)
    parser.add_argument("--order-seconds", type=float, default=None,
                        help="how long the buyers buy, in each order mode (default: the saturation run 3 x "
                             f"--seconds; the paced run that, {PACED_MIN_SECONDS} s or the think time of "
                             f"{PACED_PURCHASES} purchases, whichever is longest)")
    parser.add_argument("--order-modes", type=_csv, default=list(orders.MODES),
                        help="paced (buyers pause between steps like shoppers; the targets apply to it), "
                             "saturation (no pause: the server's ceiling for this path); default both")
    parser.add_argument("--think", type=_think, default=None,
                        help="a paced buyer's pause between steps, MIN,MAX seconds, uniformly at random and seeded "
                             f"(default {_seconds_pair(orders.DEFAULT_THINK)}; 0,0 makes the paced run a "
                             "saturation run)")
    parser.add_argument("--port", type=int, default=None, help="first of two ports (default: free ones)")
    parser.add_argument("--reseed", action="store_true", help="seed every database again, even if up to date")
    parser.add_argument("--quick", action="store_true",
                        help="CI's short form: 1 s per page with 4 connections, one run, SQLite at 1x, no Lighthouse, "
                             "10 buyers (not comparable with a full run)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.runs, args.buyers = 1, 1, 10
        if "--connections" not in (argv or sys.argv):
            args.connections = 4  # so that requests complete within the second, even on a busy machine
        if "--db" not in (argv or sys.argv):
            args.db = ["sqlite"]
        if "--scales" not in (argv or sys.argv):
            args.scales = [1]
        if "--only" not in (argv or sys.argv):
            args.only = ["pages", "orders"]
        args.order_seconds = args.order_seconds or 3 * args.seconds
        args.think = args.think or QUICK_THINK
    unknown = set(args.only) - set(STAGES)
    if unknown:
        parser.error(f"unknown stage(s): {', '.join(sorted(unknown))}")
    unknown = set(args.order_modes) - set(orders.MODES)
    if unknown or not args.order_modes:
        parser.error(f"unknown order mode(s): {', '.join(sorted(unknown)) or 'none given'} "
                     f"(choose from {','.join(orders.MODES)})")
    args.think = args.think or orders.DEFAULT_THINK
    return args


def machine() -> dict:
    def version(command: list[str]) -> str:
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=20)
            return (done.stdout or done.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "not found"

    cpu = "unknown"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    ram = 0.0
    try:
        ram = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    except (OSError, IndexError, ValueError):
        pass
    import gunicorn
    import sqlalchemy

    return {
        "nproc": os.cpu_count(), "cpu": cpu, "ram_gb": round(ram, 1), "os": platform.platform(),
        "python": platform.python_version(), "gunicorn": gunicorn.__version__, "sqlalchemy": sqlalchemy.__version__,
        "wrk": version(["wrk", "--version"]).split(" [")[0], "postgresql": version(["psql", "--version"]),
        "chromium": version([lighthouse.CHROME, "--version"]), "load_average": [round(x, 2) for x in os.getloadavg()],
        "git": version(["git", "-C", str(ROOT), "describe", "--always", "--dirty"]),
    }


GZIP = {"Accept-Encoding": "gzip, deflate, br"}  # what Chromium and Firefox send


def wrk(url: str, args: argparse.Namespace, *, script: str | None = None, runs: int | None = None,
        env: dict | None = None, connections: int | None = None, headers: dict[str, str] | None = None) -> dict:
    """``runs`` wrk runs against ``url`` at ``connections`` (default ``--connections``); their medians. wrk sends no
    Accept-Encoding of its own: ``headers=GZIP`` asks as a browser does."""
    source = (LUA / "report.lua").read_text() + ("\n" + (LUA / script).read_text() if script else "")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(source)
    connections = connections or args.connections
    threads = max(1, min(connections, os.cpu_count() or 1, 4))
    extra = [option for name, value in (headers or {}).items() for option in ("-H", f"{name}: {value}")]
    results = []
    try:
        for _ in range(runs or args.runs):
            done = subprocess.run(
                ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(args.seconds))}s", "--timeout", "30s",
                 *extra, "-s", handle.name, url], capture_output=True, text=True, env=os.environ | (env or {}),
                timeout=args.seconds + 120)
            results.append(parse_wrk(done.stdout + done.stderr))
            settle(url)
    finally:
        os.unlink(handle.name)
    return summarise(results)


def settle(url: str) -> None:
    """Wait until the server has answered what wrk left behind: wrk stops with a request in flight on every
    connection, and gunicorn's workers still answer those (and the ones queued behind them) before the next run's.
    One more request, queued behind them, returns when they are done."""
    parts = urllib.parse.urlsplit(url)
    try:
        with urllib.request.urlopen(f"{parts.scheme}://{parts.netloc}/health", timeout=300) as response:
            response.read()
    except OSError:
        pass


def warm_up(base: str, paths: list[str], times: int) -> None:
    """Each path ``times`` times, one after the other: every worker has rendered every template once."""
    for path in paths:
        for _ in range(times):
            with urllib.request.urlopen(base + path, timeout=120) as response:
                response.read()


def measure_ceiling(body: bytes, args, port: int | None) -> dict:
    """The bare app's req/s and latency with the products page's bytes, plain and (one run) gzipped for a client
    that accepts it."""
    servers.WORK.mkdir(parents=True, exist_ok=True)
    body_file = servers.WORK / "ceiling-body.html"
    body_file.write_bytes(body)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHOP_", "STRIPE_"))}
    env["BENCH_CEILING_BODY"] = str(body_file)
    server = servers.start_gunicorn("ceiling", "bench.ceiling:app", env, port,
                                    config="bench/ceiling_gunicorn.conf.py", workers=args.workers)
    try:
        warm_up(server.url, ["/"], 2)
        result = wrk(server.url + "/producten", args)
        packed = wrk(server.url + "/producten", args, runs=1, headers=GZIP)
    finally:
        server.stop()
    result["gzip"] = {k: packed[k] for k in ("rps", "p50_ms", "p99_ms")}
    log(f"  ceiling: {result['rps']} req/s, p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms; gzipped "
        f"{packed['rps']} req/s")
    return result


def measure_pages(kind: str, scale: int, url: str, stripe, args, results: dict, port: int | None) -> None:
    chosen = pages.choose_pages(url)
    log(f"  {kind} {scale}x: counting queries in process ...")
    first = pages.count_in_process(url, [p for p in chosen if p.key == "products"])
    chosen = pages.resolve(chosen, pages.deep_page_number(first["products"]["body"].decode()))
    counts = pages.count_in_process(url, chosen)
    body = counts["products"].pop("body")
    # The ceiling again for every database and size, just before its pages: a machine's speed drifts over a run
    # of twenty minutes, and each block's pages are compared with what the machine gave at the time.
    block_ceiling = None
    if {"pages", "uncached"} & set(args.only):
        log("  measuring the ceiling with the products page's bytes ...")
        block_ceiling = measure_ceiling(body, args, args.port and args.port + 1)
        results["ceiling"] = results.get("ceiling") or block_ceiling
    ceiling = (block_ceiling or {}).get("rps")
    gzip_ceiling = (block_ceiling or {}).get("gzip", {}).get("rps")
    rows = {p.key: {"key": p.key, "label": p.label, "path": p.path, **counts[p.key]} for p in chosen}

    env = servers.shop_env(kind, url, stripe.url, instance=servers.WORK / "instance")
    for cached in ([True, False] if "uncached" in args.only else [True]):
        server = servers.start_gunicorn(f"shop-{kind}-{scale}", "shop.wsgi:app",
                                        env | ({} if cached else {"SHOP_PAGE_CACHE": "0"}), port,
                                        workers=args.workers)
        try:
            warm_up(server.url, [p.path for p in chosen], 2 if args.quick else 2 * results["settings"]["workers"])
            for page in chosen:
                if page.key == pages.ADD_TO_CART:
                    if not cached or "pages" not in args.only:
                        continue
                    visitors = pages.harvest_visitors(server.url, page.path, 32 if args.quick else 200)
                    pairs = servers.WORK / "cart-visitors.tsv"
                    pairs.write_text("".join("\t".join(v) + "\n" for v in visitors))
                    # Warmed up like the pages: each worker has made its first carts (its first statements of
                    # this kind compiled) before the measurement.
                    pages.post_to_cart(server.url, visitors[:2 if args.quick else 2 * results["settings"]["workers"]])
                    result = wrk(server.url + "/winkelmand/toevoegen", args, script="cart.lua",
                                 env={"BENCH_CART_PAIRS": str(pairs)})
                elif cached:
                    if "pages" not in args.only:
                        continue
                    result = wrk(server.url + page.path, args)
                    # As a browser asks (gzip accepted): one run, against the ceiling's gzipped answer.
                    packed = wrk(server.url + page.path, args, runs=1, headers=GZIP)
                    rows[page.key].update(gzip_rps=packed["rps"], gzip_p50_ms=packed["p50_ms"],
                                          gzip_p99_ms=packed["p99_ms"],
                                          gzip_ceiling_pct=ratio_percent(packed["rps"], gzip_ceiling),
                                          gzip_errors=packed["errors"] + packed["non_2xx_3xx"])
                else:
                    # The first visit of a combination: one visitor at a time, each request a combination nobody
                    # asked before, so the latency is the page's own time (issue 14's "uncached p50").
                    alone = wrk(server.url + page.path, args, script="bust.lua", runs=1, connections=1)
                    # The same at --connections visitors who all ask for new combinations: the server's throughput
                    # with no cache at all, and the latency once requests queue behind each other.
                    busy = wrk(server.url + page.path, args, script="bust.lua", runs=1)
                    rows[page.key].update(
                        uncached_p50_ms=alone["p50_ms"], uncached_p99_ms=alone["p99_ms"],
                        uncached_busy_rps=busy["rps"], uncached_busy_p50_ms=busy["p50_ms"],
                        uncached_errors=sum(r["errors"] + r["non_2xx_3xx"] for r in (alone, busy)))
                    continue
                rows[page.key].update({k: result[k] for k in ("rps", "p50_ms", "p99_ms", "errors", "non_2xx_3xx")},
                                      runs=result["each"], ceiling_pct=ratio_percent(result["rps"], ceiling))
                log(f"    {page.key:<14} {result['rps']:>8.1f} req/s  p50 {_ms(result['p50_ms'])}  "
                    f"p99 {_ms(result['p99_ms'])}  {rows[page.key]['ceiling_pct']}% of the ceiling"
                    + (f"  ({result['errors']} errors, {result['non_2xx_3xx']} non-2xx/3xx)"
                       if result["errors"] or result["non_2xx_3xx"] else ""))
            if not cached:
                log("    uncached p50, one visitor / all new at once (ms): "
                    + ", ".join(f"{k} {r.get('uncached_p50_ms')} / {r.get('uncached_busy_p50_ms')}"
                                for k, r in rows.items() if k != pages.ADD_TO_CART))
            if cached and "lighthouse" in args.only and scale == min(args.scales) and not results.get("lighthouse"):
                results["lighthouse"] = run_lighthouse(server.url, chosen)
        finally:
            server.stop()
    results["pages"].append({"db": kind, "scale": scale, "products": servers.product_count(url),
                             "ceiling": block_ceiling, "rows": list(rows.values())})


def _ms(value: float | None) -> str:
    return "    none (no request completed)" if value is None else f"{value:>8.2f} ms"


def run_lighthouse(base: str, chosen: list[pages.Page]) -> list[dict]:
    why = lighthouse.available()
    if why:
        log(f"  Lighthouse skipped: {why}")
        return [{"page": "all", "error": why}]
    rows = []
    for page in [p for p in chosen if p.key in ("home", "products", "product", "package")]:
        log(f"    Lighthouse: {page.path} ...")
        figures = lighthouse.run(base + page.path, servers.WORK / "lighthouse" / f"{page.key}.json")
        rows.append({"page": page.label, "path": page.path, **figures})
    return rows


def measure_orders(kind: str, source_url: str, args, port: int | None) -> list[dict]:
    """Each order mode on a fresh copy of the 1x database: the paced run first (the one the targets apply to),
    then the saturation run."""
    return [measure_order_mode(kind, source_url, args, port, mode)
            for mode in orders.MODES if mode in args.order_modes]


def measure_order_mode(kind: str, source_url: str, args, port: int | None, mode: str) -> dict:
    from tests.fakes.stripe_server import FakeStripe

    think = args.think if mode == "paced" else (0.0, 0.0)
    seconds = order_seconds(args, mode)
    url = servers.copy_database(kind, source_url, f"{servers.DB_PREFIX}_orders")
    # Saturation: little stock, so that buyers race for the last units (0 oversold is the point). Paced: stock
    # enough that nothing sells out, so that the shoppers keep arriving for the whole run.
    chosen = orders.prepare_packages(url, stock=orders.PACED_STOCK_PER_COMPONENT if mode == "paced"
                                     else orders.STOCK_PER_COMPONENT)
    # A Stripe server of its own: each database's copy numbers its orders from the same point, and a Stripe
    # account that saw "checkout-LOV-2026-000011" before refuses the same idempotency key with other parameters.
    stripe = FakeStripe(servers.WEBHOOK_SECRET).start()
    env = servers.shop_env(kind, url, stripe.url, instance=servers.WORK / "instance")
    server = servers.start_gunicorn(f"shop-{kind}-orders-{mode}", "shop.wsgi:app", env, port, workers=args.workers)
    log(f"  orders ({kind}, {mode}): {args.buyers} buyers for {seconds:g} s"
        + (f", pausing {_seconds_pair(think)} s between steps" if think[1] else ", no pause") + " ...")
    try:
        warm_up(server.url, [f"/pakketten/{slug}" for slug in chosen["slugs"]], 2)
        result = orders.run_buyers(server.url, chosen["slugs"], stripe, buyers=args.buyers, seconds=seconds,
                                   think=think, mode=mode)
    finally:
        server.stop()
        stripe.stop()
    result.update(db=kind, packages=chosen, books=orders.check_books(url))
    others = ", ".join(f"{step} {result['steps'][step]['p99_ms']}" for step in orders.STEPS
                       if step not in ("place", "webhook"))
    log(f"  orders ({kind}, {mode}): {result['orders_paid']} paid, {result['orders_per_s']} orders/s, "
        f"{result['requests_per_s']} requests/s; place p50/p99 {result['place']['p50_ms']}/"
        f"{result['place']['p99_ms']} ms, webhook p50/p99 {result['webhook']['p50_ms']}/"
        f"{result['webhook']['p99_ms']} ms; other steps' p99 (ms): {others}; "
        f"{result['books']['oversold_units']} units oversold, {result['failure_count']} failures")
    return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # A TERM (timeout, CI cancelling) ends the run like Ctrl+C: the servers it started are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if shutil.which("wrk") is None:
        log("wrk is missing: apt-get install wrk (make bench installs it)")
        return 2
    from tests.fakes.stripe_server import FakeStripe  # the same test Stripe server the test suite uses

    results = {"started": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "machine": machine(),
               "settings": {"seconds": args.seconds, "runs": args.runs, "connections": args.connections,
                            "workers": args.workers or min(2 * (os.cpu_count() or 1) + 1, 9),
                            "stages": args.only, "db": args.db, "scales": args.scales, "quick": args.quick,
                            "buyers": args.buyers, "order_modes": args.order_modes,
                            "order_seconds": {mode: order_seconds(args, mode) for mode in args.order_modes},
                            "think_s": list(args.think)},
               "ceiling": None, "pages": [], "orders": [], "lighthouse": None}
    log(f"Benchmark: {', '.join(args.only)} on {', '.join(args.db)} at {', '.join(f'{s}x' for s in args.scales)}; "
        f"{results['machine']['nproc']} cores, load {results['machine']['load_average']}")
    stripe = FakeStripe(servers.WEBHOOK_SECRET).start()
    shop_port = args.port  # None: each server on a port free when it starts
    started = time.monotonic()
    failed = False
    try:
        for kind in args.db:
            for scale in sorted(args.scales):
                url = servers.prepare_database(kind, scale, reseed=args.reseed, log=log)
                if {"pages", "uncached", "lighthouse"} & set(args.only):
                    measure_pages(kind, scale, url, stripe, args, results, shop_port)
            if "orders" in args.only:
                one = servers.prepare_database(kind, 1, reseed=False, log=log)
                results["orders"].extend(measure_orders(kind, one, args, shop_port))
    except Exception as error:  # noqa: BLE001 - report what was measured, then fail
        import traceback

        traceback.print_exc()
        results["error"] = repr(error)
        failed = True
    finally:
        stripe.stop()
    results["elapsed_s"] = round(time.monotonic() - started)
    json_path, md_path = report.write(results, args.out)
    print()
    print(md_path.read_text())
    log(f"Results: {json_path.relative_to(ROOT) if json_path.is_relative_to(ROOT) else json_path}, "
        f"{md_path.name} ({results['elapsed_s']} s)")
    # Targets are never asserted; a page that answered errors, or an order stage that oversold or failed, is.
    broken = [f"{b['db']} {b['scale']}x {r['key']}: {r.get('errors')} errors, {r.get('non_2xx_3xx')} non-2xx/3xx, "
              f"{r.get('gzip_errors')} gzipped, {r.get('uncached_errors')} uncached"
              for b in results["pages"] for r in b["rows"]
              if r.get("errors") or r.get("non_2xx_3xx") or r.get("gzip_errors") or r.get("uncached_errors")]
    broken += [f"orders ({o['db']}, {o.get('mode')}): {o['books']['oversold_units']} units oversold, {o['failure_count']} failures"
               for o in results["orders"] if o["books"]["oversold_units"] or o["failure_count"]]
    for line in broken:
        log(f"FAILED: {line}")
    return 1 if failed or broken else 0
