"""What a start of the shop under gunicorn costs until every worker serves the products list from its facet index,
and what a worker the arbiter replaces costs until it does.

    python -m bench.worker_start bench/.work/bench_s100.db [--workers 5] [--change] [--redis redis://127.0.0.1:6379/N]

The SQLite file is copied to a temporary folder first (never written). gunicorn runs with the shop's gunicorn.conf.py
(bench/worker_start_gunicorn.conf.py adds a record per process when it holds its index) in the bench's environment
for SQLite (bench.servers.shop_env); with ``--redis`` the catalogue's generation and change log are in that Redis
database, which is EMPTIED first (give one of your own), else in a file of the instance folder. Printed: the time from
the start until the app is loaded in the arbiter and until every worker holds its index, the CPU seconds of the
arbiter and the workers until then, their memory (RSS; anonymous + file-backed; PSS), the time of 20 lists of
different pages after that (no page-cache hit), and for one worker ended with SIGTERM the time until its replacement
holds its index, and its CPU. ``--change`` changes a product's price (followed per product) before that worker ends.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.servers import ROOT, free_port, shop_env

PRICE_CHANGE = """
from sqlalchemy import select
from shop import create_app
from shop.catalog.models import Product, ProductStatus
from shop.extensions import db
app = create_app()
with app.app_context():
    product = db.session.scalars(select(Product).where(Product.status == ProductStatus.PUBLISHED).limit(1)).one()
    product.price_cents += 1
    db.session.commit()
"""


def _stat(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as file:
        fields = file.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _memory(pid: int) -> str:
    with open(f"/proc/{pid}/status") as file:
        kib = {line.split(":")[0]: int(line.split()[1]) for line in file if line.startswith(("VmRSS", "RssAnon",
                                                                                              "RssFile"))}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as file:
            pss = next(int(line.split()[1]) for line in file if line.startswith("Pss:"))
    except OSError:
        pss = 0
    return f"{kib['VmRSS'] / 1024:.0f} ({kib['RssAnon'] / 1024:.0f}+{kib['RssFile'] / 1024:.0f}, PSS {pss / 1024:.0f})"


def _workers(arbiter: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(arbiter)], capture_output=True, text=True).stdout.split()
    return [int(pid) for pid in found]


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _holding(records: list[dict]) -> dict[int, float]:
    """Per process, when it first held its index."""
    found: dict[int, float] = {}
    for record in records:
        if record.get("has_index") and (record["event"] == "built" or not record.get("building")):
            found.setdefault(record["pid"], record["t"])
    return found


def _wait(test, seconds: float, server: subprocess.Popen, log: Path):
    deadline = time.monotonic() + seconds
    while not (found := test()):
        if server.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"gunicorn did not get there:\n{log.read_text()[-3000:]}")
        time.sleep(0.005)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database", help="a SQLite file (copied first)")
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--change", action="store_true", help="a price changed before the worker is replaced")
    parser.add_argument("--redis", help="a Redis database of your own for the generation and change log (EMPTIED)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="worker-start-") as folder:
        work = Path(folder)
        database = work / "shop.db"
        shutil.copyfile(args.database, database)
        records, log = work / "records.jsonl", work / "gunicorn.log"
        env = shop_env("sqlite", f"sqlite:///{database}", "http://127.0.0.1:9", instance=work / "instance")
        env.pop("SHOP_REDIS_URL", None)
        if args.redis:
            import redis

            redis.Redis.from_url(args.redis).flushdb()
            env["SHOP_REDIS_URL"] = args.redis
        port = free_port()
        env.update(SHOP_BIND=f"127.0.0.1:{port}", SHOP_WEB_WORKERS=str(args.workers), SHOP_LOG_LEVEL="INFO",
                   BENCH_WORKER_START_RECORDS=str(records))
        started = time.time()
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", "bench/worker_start_gunicorn.conf.py",
                                   "shop.wsgi:app"], cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
        try:
            def all_hold():
                workers, holding = _workers(server.pid), _holding(_records(records))
                return (workers, holding) if len(workers) == args.workers and set(workers) <= set(holding) else None

            workers, holding = _wait(all_hold, 300, server, log)
            cpu = {pid: _stat(pid) for pid in (server.pid, *workers)}
            loaded = next(r["t"] for r in _records(records) if r["event"] == "loaded")
            ready = max(holding[pid] for pid in workers)
            print(f"start: app loaded in the arbiter after {loaded - started:.2f} s; every worker holds its index "
                  f"{ready - loaded:.2f} s after that ({ready - started:.2f} s after the start)")
            print(f"  CPU until then: {sum(cpu.values()):.2f} s (arbiter {cpu[server.pid]:.2f}, workers "
                  f"{', '.join(f'{cpu[pid]:.2f}' for pid in workers)})")
            print(f"  memory MB, RSS (anonymous+file, PSS): arbiter {_memory(server.pid)}; workers "
                  f"{'; '.join(_memory(pid) for pid in workers)}")
            times = []
            for page in range(2, 22):
                begun = time.perf_counter()
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/producten?pagina={page}", timeout=60) as answer:
                    answer.read()
                times.append((time.perf_counter() - begun) * 1000)
            print("  20 lists of different pages after that, ms:", " ".join(f"{t:.0f}" for t in times))

            if args.change:
                subprocess.run([sys.executable, "-c", PRICE_CHANGE], cwd=ROOT, env=env, check=True)
            ended = workers[0]
            killed = time.time()
            os.kill(ended, signal.SIGTERM)

            def replaced():
                new = [pid for pid in _workers(server.pid) if pid not in workers]
                holding = _holding(_records(records))
                return new[0] if new and new[0] in holding else None

            new = _wait(replaced, 120, server, log)
            print(f"a worker replaced{' after a price change' if args.change else ''}: the new one holds its index "
                  f"{_holding(_records(records))[new] - killed:.3f} s after the SIGTERM; its CPU {_stat(new):.2f} s; "
                  f"RSS {_memory(new)}")
            for line in log.read_text().splitlines():
                if "facet index" in line:
                    print("  log:", json.loads(line)["message"] if line.startswith("{") else line)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)


if __name__ == "__main__":
    main()
