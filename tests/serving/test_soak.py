"""A bounded soak, as production runs: two web instances behind nginx on PostgreSQL and Redis, visitors browsing and
buyers buying (demo payments: paid, or given up) at the same time, then the mail worker. Afterwards the books must
hold: no request failed with a 5xx, every paid order is whole and invoiced once, every stock figure is the sum of
its movements and never below zero, order and invoice numbers have no gaps, each mail went out once.

About a minute in CI (``SHOP_SOAK_SECONDS``, default 40 s of load); longer by setting it, e.g.
``SHOP_SOAK_SECONDS=600 SHOP_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test
.venv/bin/python -m pytest tests/serving/test_soak.py``.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import requests
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from shop.catalog.models import Product
from shop.inventory.models import StockMovement
from shop.invoicing.models import Invoice
from shop.orders.models import Order, OrderStatus
from shop.outbox.models import OutboxMessage, OutboxStatus

ROOT = Path(__file__).resolve().parents[2]
SOAK_SECONDS = float(os.environ.get("SHOP_SOAK_SECONDS") or 40)
BUYERS = 6
BROWSERS = 3
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PRODUCTS = 8
STOCK = 12  # few units of each: buyers run into sold-out products, as in December

SEED = f"""
from shop import create_app
from shop.extensions import db
from tests.factories import make_product
app = create_app()
with app.app_context():
    for number in range({PRODUCTS}):
        make_product(f"Soakkaas {{number}}", price_cents=199 + 137 * number, stock={STOCK})
    db.session.commit()
"""


class Load:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: Counter = Counter()
        self.failures: list[str] = []
        self.paid = 0
        self.given_up = 0

    def record(self, what: str, response: requests.Response) -> requests.Response:
        with self.lock:
            self.statuses[response.status_code] += 1
            if response.status_code >= 500:
                self.failures.append(f"{what}: {response.status_code}")
        return response


def _slugs(address: str) -> list[str]:
    page = requests.get(address + "/producten", timeout=30).text
    return sorted(set(re.findall(r'href="/producten/([a-z0-9-]+)"', page)))


def _buy(load: Load, address: str, slug: str, rnd: random.Random) -> None:
    browser = requests.Session()
    page = load.record("product", browser.get(f"{address}/producten/{slug}", timeout=60)).text
    token, product = CSRF.search(page), re.search(r'name="product_id" value="(\d+)"', page)
    if not (token and product):
        return  # sold out meanwhile: no button
    load.record("add", browser.post(address + "/winkelmand/toevoegen", timeout=60, allow_redirects=False, data={
        "csrf_token": token.group(1), "product_id": product.group(1), "quantity": rnd.choice((1, 1, 2))}))
    start = load.record("checkout", browser.get(address + "/afrekenen", timeout=60))
    day = re.search(r'<option[^>]*value="(\d{4}-\d{2}-\d{2})"', start.text)
    if start.status_code != 200 or day is None or not CSRF.search(start.text):
        return  # an empty cart (sold out when added) goes back to the cart
    details = load.record("details", browser.post(address + "/afrekenen", timeout=60, allow_redirects=False, data={
        "csrf_token": CSRF.search(start.text).group(1), "email": f"koper{rnd.randrange(10**6)}@voorbeeld.be",
        "name": "Soak Koper", "phone": "", "method": "pickup", "pickup_date": day.group(1)}))
    if details.status_code != 303:
        return
    review = load.record("review", browser.get(address + "/afrekenen/overzicht", timeout=60))
    if review.status_code != 200 or not CSRF.search(review.text):
        return
    placed = load.record("place", browser.post(address + "/afrekenen/overzicht", timeout=60, allow_redirects=False,
                                               data={"csrf_token": CSRF.search(review.text).group(1),
                                                     "accept_terms": "y"}))
    if placed.status_code != 303 or "/betalen/demo/" not in placed.headers.get("Location", ""):
        return  # sold out at the last moment: back to the cart with a message
    demo = load.record("demo", browser.get(address + placed.headers["Location"], timeout=60))
    action = re.search(r'<form method="post" action="([^"]+)"', demo.text)
    give_up = rnd.random() < 0.2
    load.record("pay", browser.post(address + action.group(1), timeout=60, allow_redirects=False, data={
        "csrf_token": CSRF.search(demo.text).group(1), "action": "abandon" if give_up else "pay"}))
    with load.lock:
        if give_up:
            load.given_up += 1
        else:
            load.paid += 1


def _buyer(load: Load, addresses: list[str], slugs: list[str], seed: int, stop_at: float) -> None:
    rnd = random.Random(seed)
    while time.monotonic() < stop_at:
        try:
            _buy(load, rnd.choice(addresses), rnd.choice(slugs), rnd)
        except requests.RequestException as error:
            with load.lock:
                load.failures.append(f"buy: {error!r}")


def _browser(load: Load, addresses: list[str], slugs: list[str], seed: int, stop_at: float) -> None:
    rnd = random.Random(seed)
    pages = ["/", "/producten", "/producten?q=kaas", "/pakketten", "/producenten"]
    while time.monotonic() < stop_at:
        path = rnd.choice(pages + [f"/producten/{slug}" for slug in slugs])
        try:
            load.record(path, requests.get(rnd.choice(addresses) + path, timeout=60))
        except requests.RequestException as error:
            with load.lock:
                load.failures.append(f"{path}: {error!r}")


def test_under_mixed_load_the_books_hold(cluster):
    addresses = cluster.addresses
    slugs = _slugs(addresses[0])
    assert len(slugs) == PRODUCTS
    load = Load()
    stop_at = time.monotonic() + SOAK_SECONDS
    threads = [threading.Thread(target=_buyer, args=(load, addresses, slugs, seed, stop_at))
               for seed in range(BUYERS)]
    threads += [threading.Thread(target=_browser, args=(load, addresses, slugs, 100 + seed, stop_at))
                for seed in range(BROWSERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SOAK_SECONDS + 300)

    # The mail worker delivers what the load queued (as files: no SMTP configured).
    worker = subprocess.run([sys.executable, "-m", "flask", "--app", "shop", "worker", "--once", "--limit", "10000"],
                            cwd=ROOT, env=cluster.env, capture_output=True, text=True, timeout=300)
    assert worker.returncode == 0, worker.stderr[-2000:]

    assert load.failures == [], (load.failures[:10], cluster.server_errors())
    assert load.paid > 0, load.statuses  # the load really bought something
    engine = create_engine(cluster.database)
    try:
        with Session(engine) as session:
            _check_books(session, load)
    finally:
        engine.dispose()


def _numbers(values, prefix: str) -> list[int]:
    return sorted(int(value.rsplit("-", 1)[1]) for value in values if value.startswith(prefix))


def _check_books(session: Session, load: Load) -> None:
    # Every stock figure is the sum of its movements, and never below zero (nothing oversold).
    for product in session.scalars(select(Product)):
        moved = session.scalar(select(func.coalesce(func.sum(StockMovement.delta), 0))
                               .where(StockMovement.product_id == product.id))
        assert product.stock == moved and product.stock >= 0, product.name

    orders = list(session.scalars(select(Order)))
    paid = [order for order in orders if order.status == OrderStatus.PAID]
    assert len(paid) == load.paid
    invoices = {invoice.order_id: invoice for invoice in session.scalars(select(Invoice))}
    for order in paid:
        # Whole: its lines and fee make its total, and its one invoice says the same.
        assert sum(line.total_cents for line in order.lines) + order.delivery_fee_cents == order.total_cents
        assert invoices[order.id].total_cents == order.total_cents
    assert set(invoices) == {order.id for order in paid}

    # No gaps: a rolled-back placing or invoice gives its number back.
    year_prefix = orders[0].number.rsplit("-", 1)[0] + "-"
    assert _numbers([order.number for order in orders], year_prefix) == list(range(1, len(orders) + 1))
    assert sorted(invoice.sequence for invoice in invoices.values()) == list(range(1, len(invoices) + 1))

    # Each mail once, and all out.
    messages = list(session.scalars(select(OutboxMessage)))
    assert all(message.status == OutboxStatus.SENT for message in messages)
    confirmations = [message.order_id for message in messages if message.kind == "order_confirmed"]
    assert sorted(confirmations) == sorted(order.id for order in paid)
