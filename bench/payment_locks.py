"""How long paying an order takes when many are paid at once (the invoice number's counter row is the shared
lock). N threads each mark orders paid the way the webhook does (shop.payments.services.payment_succeeded, then
commit), on the PostgreSQL database named by SHOP_DATABASE_URL (emptied first!), and the latencies' p50/p99 are
printed. Usage (from the repository root):

    SHOP_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/locks_db python bench/payment_locks.py --threads 8 --orders 200
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.getcwd())

from shop import create_app  # noqa: E402
from shop.extensions import db  # noqa: E402
from shop.orders.models import Order, OrderStatus  # noqa: E402
from shop.payments.services import payment_succeeded  # noqa: E402
from tests.factories import make_sample_order  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--orders", type=int, default=200)
    args = parser.parse_args()
    app = create_app({"SQLALCHEMY_DATABASE_URI": os.environ["SHOP_DATABASE_URL"], "ENV_NAME": "testing",
                      "TESTING": True, "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": args.threads + 2}})
    with app.app_context():
        db.drop_all()
        db.create_all()
        ids = []
        for i in range(args.orders):
            order = make_sample_order(company=i % 4 == 0, status=OrderStatus.PENDING_PAYMENT)
            db.session.commit()
            ids.append(order.id)
    latencies: list[float] = []
    lock = threading.Lock()

    def work(chunk: list[int]) -> None:
        with app.app_context():
            for order_id in chunk:
                started = time.perf_counter()
                order = db.session.get(Order, order_id)
                payment_succeeded(order, payment_intent_id=None, actor="bench")
                db.session.commit()
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
            db.session.remove()

    threads = [threading.Thread(target=work, args=(ids[i::args.threads],)) for i in range(args.threads)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    print(f"{len(latencies)} payments, {args.threads} threads: {len(latencies) / wall:.1f}/s, "
          f"p50 {statistics.median(latencies) * 1000:.0f} ms, p99 {p(0.99):.0f} ms, max {latencies[-1] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
