"""Placing an order and its webhook, in process, one at a time: SQL statements, time, and how long each row lock
is held. Through Flask's test client and the real views (checkout review POST, then ``checkout.session.completed``
posted to /stripe/webhook, signed), against the test Stripe server, on a database that holds the demo catalogue
(``flask db upgrade`` + ``seed_producers.py``). It WRITES orders into that database. Usage:

    python -m bench.order_profile --url sqlite:////tmp/seeded.db [--orders 20] [--profile place|webhook] [--top 25]

Each buyer goes the bench's way (package page, add to cart, checkout page and details, review page: each
timed too). Prints, per step (place, webhook), the median of ``--orders`` runs of: statements, wall time in ms, and the lock
windows (first stock UPDATE, the order counter, the invoice counter, the slot: from the statement that takes
the lock to the COMMIT that frees it); then the statements of the last run, grouped and timed.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import pstats
import re
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import event, select

LOCKS = {  # what takes a row lock held to the end of the transaction: its name, and how to know its statement
    # from the first write to the COMMIT: on SQLite the database's one write lock, which every writer waits for
    "first write": re.compile(r"^(INSERT|UPDATE|DELETE) ", re.I),
    "stock": re.compile(r"^(UPDATE products SET stock|SELECT products\.id\s+FROM products\s.*FOR UPDATE)", re.I | re.S),
    "order counter": re.compile(r"^UPDATE counters .*", re.I),
    "slot": re.compile(r"^UPDATE slots SET booked", re.I),
    "order row": re.compile(r"^UPDATE orders SET status", re.I),
}


@dataclass
class Trace:
    """The statements of one request: (start offset s, duration s, SQL), and the COMMITs' offsets."""

    started: float = field(default_factory=time.perf_counter)
    statements: list[tuple[float, float, str]] = field(default_factory=list)
    commits: list[float] = field(default_factory=list)

    def lock_windows(self) -> dict[str, float]:
        """Per lock taken: ms from its first statement to the first COMMIT after it."""
        windows = {}
        for name, pattern in LOCKS.items():
            for start, _, sql in self.statements:
                if not pattern.search(sql.strip()):
                    continue
                key = name
                if name == "order counter":
                    key = "invoice counter" if "invoice" in self._counter_name(start) else "order counter"
                if key in windows:
                    continue
                end = next((c for c in self.commits if c >= start), None)
                if end is not None:
                    windows[key] = (end - start) * 1000
                    # round trips while it is held: its statement, those after it, and the COMMIT
                    self.held_statements[key] = sum(1 for s, _, _ in self.statements if start <= s < end) + 1
        return windows

    def timing(self, wall_ms: float) -> dict:
        """The request's wall time, when its first COMMIT ended (the change is stored: what follows is work
        after it), statements, and its garbage collections' pauses."""
        return {"wall_ms": wall_ms, "first_commit_ms": self.commits[0] * 1000 if self.commits else None,
                "statements": len(self.statements), "gc_ms": sum(ms for _, ms in self.gc),
                "gc": [f"gen{generation} {ms:.1f} ms" for generation, ms in self.gc]}

    def _counter_name(self, start: float) -> str:
        return self.counter_names.get(start, "")

    counter_names: dict = field(default_factory=dict)
    held_statements: dict = field(default_factory=dict)
    gc: list = field(default_factory=list)  # (generation, ms) of each collection during the request


class Recorder:
    def __init__(self, engine):
        self.trace: Trace | None = None
        self._gc_started = 0.0
        gc.callbacks.append(self._gc)
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        event.listen(engine, "commit", self._commit)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_t"] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        if self.trace is None:
            return
        now = time.perf_counter()
        began = conn.info.pop("bench_t", now)
        offset = began - self.trace.started
        self.trace.statements.append((offset, now - began, statement))
        if statement.lstrip().upper().startswith("UPDATE COUNTERS"):
            params = parameters if isinstance(parameters, dict) else {}
            self.trace.counter_names[offset] = str(params.get("n", parameters))

    def _gc(self, phase, info):
        # Garbage collections during a request: how often, and how long they stopped it.
        if self.trace is None:
            return
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.trace.gc.append((info.get("generation"), (time.perf_counter() - self._gc_started) * 1000))

    def _commit(self, conn):
        if self.trace is not None:
            self.trace.commits.append(time.perf_counter() - self.trace.started)

    def start(self) -> Trace:
        self.trace = Trace()
        return self.trace

    def stop(self) -> Trace:
        trace, self.trace = self.trace, None
        return trace


def shape(sql: str) -> str:
    sql = " ".join(sql.split())
    sql = re.sub(r"\(%\(\w+\)s(, %\(\w+\)s)*\)", "(…)", sql)
    sql = re.sub(r"\((\?, )*\?\)", "(…)", sql)
    return sql[:110]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True, help="database with the demo catalogue (written to!)")
    parser.add_argument("--orders", type=int, default=20)
    parser.add_argument("--profile", choices=("place", "webhook"), default=None)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--profile-out", default=None, help="with --profile: also write the cProfile stats here")
    parser.add_argument("--statements", action="store_true", help="list the last run's statements in order")
    args = parser.parse_args()

    import shop.models  # noqa: F401
    from bench.measure import percentile
    from bench.orders import prepare_packages
    from shop import create_app
    from shop.core.garbage_collection import tune_for_serving
    from shop.extensions import db
    from shop.orders.models import Order
    from shop.packages.models import Package
    from shop.scheduling.days import pickup_days
    from tests.fakes.stripe_server import FakeStripe

    chosen = prepare_packages(args.url)
    stripe = FakeStripe("whsec_profile").start()
    app = create_app({"ENV_NAME": "development", "SQLALCHEMY_DATABASE_URI": args.url, "WTF_CSRF_ENABLED": False,
                      "STRIPE_SECRET_KEY": "sk_test_profile", "STRIPE_WEBHOOK_SECRET": "whsec_profile",
                      "STRIPE_API_BASE": stripe.url, "RATELIMIT_ENABLED": False, "LOG_LEVEL": "WARNING"})
    tune_for_serving()  # the garbage collector as in gunicorn's workers (shop/wsgi.py)
    results: dict[str, list] = defaultdict(list)
    held: dict[str, list] = defaultdict(list)
    timings: dict[str, list[dict]] = defaultdict(list)  # per place and webhook: each run's wall, commit, GC
    profiler = cProfile.Profile() if args.profile else None
    last: dict[str, Trace] = {}
    sent: dict[str, list[tuple[int, float]]] = defaultdict(list)  # per step: what ran once its answer was sent

    def close(answer, step: str, counted: bool) -> None:
        # A server closes the response once it has sent it: what the request left for then (shop.core.db.
        # defer_to_response) runs now, timed on its own (the client no longer waits for it).
        trace = recorder.start()
        answer.close()
        wall = (time.perf_counter() - trace.started) * 1000
        recorder.stop()
        if counted:
            sent[step].append((len(trace.statements), wall))

    try:
        with app.app_context():
            recorder = Recorder(db.engine)
            packages = db.session.scalars(select(Package).where(Package.slug.in_(chosen["slugs"]))).all()
            from shop.catalog.models import Product
            from shop.inventory.models import MovementReason
            from shop.inventory.services import set_stock
            for product_id in sorted({c.product_id for p in packages for c in p.components}):
                set_stock(db.session.get(Product, product_id), 100_000, MovementReason.CORRECTION, note="profile")
            db.session.commit()
            package_ids = [p.id for p in packages]
            slugs = [p.slug for p in packages]
            days = pickup_days()
            for i in range(args.orders + 2):  # two warm-up orders, not counted
                # The buyer's way to the review page, as the bench's buyers go (each request timed).
                client = app.test_client()
                slug = slugs[i % len(slugs)]
                form = {"email": f"koper{i}@voorbeeld.be", "name": "Bench Koper", "phone": "", "method": "pickup",
                        "pickup_date": days[i % len(days)].isoformat()}
                steps = [("package page", "GET", f"/pakketten/{slug}", None),
                         ("add to cart", "POST", "/winkelmand/toevoegen",
                          {"package_id": package_ids[i % len(package_ids)], "quantity": 1}),
                         ("checkout page", "GET", "/afrekenen", None),
                         ("checkout details", "POST", "/afrekenen", form),
                         ("review page", "GET", "/afrekenen/overzicht", None)]
                for name, method, path, data in steps:
                    trace = recorder.start()
                    answer = client.open(path, method=method, data=data)
                    wall = (time.perf_counter() - trace.started) * 1000
                    recorder.stop()
                    assert answer.status_code in (200, 303), (name, answer.status_code)
                    close(answer, name, i >= 2)
                    if i >= 2:
                        results[name].append((len(trace.statements), wall, {}, sum(d for _, d, _ in trace.statements) * 1000))
                db.session.remove()

                trace = recorder.start()
                if profiler and args.profile == "place" and i >= 2:
                    profiler.enable()
                placed = client.post("/afrekenen/overzicht", data={"accept_terms": "y"})
                if profiler:
                    profiler.disable()
                wall = (time.perf_counter() - trace.started) * 1000
                recorder.stop()
                location = placed.headers.get("Location", "")
                assert placed.status_code == 303 and "/pay/" in location, (placed.status_code, location)
                close(placed, "place", i >= 2)
                if i >= 2:
                    results["place"].append((len(trace.statements), wall, trace.lock_windows(),
                                             sum(d for _, d, _ in trace.statements) * 1000))
                    held["place"].append(trace.held_statements)
                    timings["place"].append(trace.timing(wall))
                last["place"] = trace

                session_id = location.rsplit("/", 1)[-1]
                completed = stripe.complete_session(session_id, paid=True)
                payload = json.dumps(stripe.event("checkout.session.completed", completed))
                trace = recorder.start()
                if profiler and args.profile == "webhook" and i >= 2:
                    profiler.enable()
                answer = client.post("/stripe/webhook", data=payload, headers={
                    "Content-Type": "application/json", "Stripe-Signature": stripe.sign(payload)})
                if profiler:
                    profiler.disable()
                wall = (time.perf_counter() - trace.started) * 1000
                recorder.stop()
                assert answer.status_code == 200 and answer.json["status"] == "paid", answer.get_data(as_text=True)
                close(answer, "webhook", i >= 2)
                if i >= 2:
                    results["webhook"].append((len(trace.statements), wall, trace.lock_windows(),
                                               sum(d for _, d, _ in trace.statements) * 1000))
                    held["webhook"].append(trace.held_statements)
                    timings["webhook"].append(trace.timing(wall))
                last["webhook"] = trace
                db.session.remove()
            paid = db.session.scalar(select(Order.id).order_by(Order.id.desc()).limit(1))
            assert paid is not None
    finally:
        stripe.stop()

    dialect = args.url.split(":", 1)[0]
    print(f"{dialect}: median of {args.orders} (after 2 warm-up)")
    summary = {}
    for step in ("package page", "add to cart", "checkout page", "checkout details", "review page"):
        rows = results[step]
        print(f"  {step:17s} statements {statistics.median(r[0] for r in rows):.0f}  "
              f"wall {statistics.median(r[1] for r in rows):.1f} ms")
        summary[step] = {"statements": statistics.median(r[0] for r in rows),
                         "wall_ms": round(statistics.median(r[1] for r in rows), 1)}
    for step in ("place", "webhook"):
        rows = results[step]
        windows = defaultdict(list)
        for _, _, lock, _ in rows:
            for name, ms in lock.items():
                windows[name].append(ms)
        summary[step] = {"statements": statistics.median(r[0] for r in rows),
                         "wall_ms": round(statistics.median(r[1] for r in rows), 1),
                         "sql_ms": round(statistics.median(r[3] for r in rows), 1),
                         "locks_ms": {name: round(statistics.median(v), 1) for name, v in sorted(windows.items())},
                         "locks_round_trips": {name: statistics.median(h.get(name, 0) for h in held[step])
                                               for name in sorted(windows)}}
        print(f"  {step:8s} statements {statistics.median(r[0] for r in rows):.0f}  "
              f"wall {statistics.median(r[1] for r in rows):.1f} ms (p90 {sorted(r[1] for r in rows)[int(0.9 * len(rows))]:.1f})  "
              f"in SQL {statistics.median(r[3] for r in rows):.1f} ms  locks held: "
              + ", ".join(f"{name} {statistics.median(v):.1f} ms ({summary[step]['locks_round_trips'][name]:.0f} round trips)"
                          for name, v in sorted(windows.items())))
    for step in ("place", "webhook"):
        runs = timings[step]
        walls = [run["wall_ms"] for run in runs]
        after = [run["wall_ms"] - run["first_commit_ms"] for run in runs if run["first_commit_ms"] is not None]
        gcs = [run["gc_ms"] for run in runs]
        summary[step]["wall_ms_spread"] = {"p50": round(percentile(walls, 50), 1), "p90": round(percentile(walls, 90), 1),
                                           "p99": round(percentile(walls, 99), 1), "max": round(max(walls), 1)}
        print(f"  {step:8s} wall p50 {percentile(walls, 50):.1f}  p90 {percentile(walls, 90):.1f}  "
              f"p99 {percentile(walls, 99):.1f}  max {max(walls):.1f} ms; after the first COMMIT p50 "
              f"{percentile(after, 50):.1f} max {max(after):.1f} ms; GC in {sum(1 for g in gcs if g)} of {len(runs)} "
              f"runs, max {max(gcs):.1f} ms")
        if sent[step] and any(n for n, _ in sent[step]):
            later = [ms for _, ms in sent[step]]
            print(f"    after its answer was sent: statements {statistics.median(n for n, _ in sent[step]):.0f}, "
                  f"wall p50 {percentile(later, 50):.1f} max {max(later):.1f} ms (the client does not wait for it)")
            summary[step]["after_response"] = {"statements": statistics.median(n for n, _ in sent[step]),
                                               "wall_ms": round(percentile(later, 50), 1)}
        for run in sorted(runs, key=lambda r: -r["wall_ms"])[:3]:
            print(f"    slowest: wall {run['wall_ms']:.1f} ms, first COMMIT at {run['first_commit_ms'] or 0:.1f} ms, "
                  f"{run['statements']} statements, GC {', '.join(run['gc']) or 'none'}")
    for step, trace in last.items():
        groups: dict[str, list[float]] = defaultdict(list)
        for _, duration, sql in trace.statements:
            groups[shape(sql)].append(duration * 1000)
        print(f"\n  {step}: {len(trace.statements)} statements, commits at "
              + ", ".join(f"{c * 1000:.1f}" for c in trace.commits) + " ms")
        if args.statements:
            for offset, duration, sql in trace.statements:
                print(f"    {offset * 1000:7.1f} {duration * 1000:6.2f}  {shape(sql)}")
        else:
            for sql, times in sorted(groups.items(), key=lambda kv: -sum(kv[1])):
                print(f"    {len(times):3d} × {sum(times):6.2f} ms  {sql}")
    print("RESULT " + json.dumps({"db": dialect, **summary}))
    if profiler:
        print()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.top)
        if args.profile_out:
            profiler.dump_stats(args.profile_out)


if __name__ == "__main__":
    main()
