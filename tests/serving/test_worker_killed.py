"""A web worker killed (kill -9) in the middle of a checkout, while it waits for Stripe: the order it had committed
holds its stock with no payment session; the scheduler's reconcile settles it and the stock comes back.

The real server (gunicorn, one worker, on a seeded SQLite file) talks to the Stripe stand-in of the tests, which is
told to keep the checkout-session request waiting; the worker is killed while it waits.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from shop import create_app
from shop.catalog.models import Product
from shop.extensions import db
from shop.orders.models import Order, OrderStatus
from shop.payments.reconcile import HALF_MADE_AFTER, reconcile_all
from tests.fakes.stripe_server import FakeStripe
from tests.live_server import free_port, server_env, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SEED = """
from shop import create_app
from shop.extensions import db
from tests.factories import make_product
app = create_app()
with app.app_context():
    make_product("Oude Brugge", price_cents=1250, stock=5)
    db.session.commit()
"""


@pytest.fixture
def stripe_env():
    fake = FakeStripe().start()
    yield fake, {"STRIPE_SECRET_KEY": "sk_test_fake_key", "STRIPE_WEBHOOK_SECRET": fake.webhook_secret,
                 "STRIPE_API_BASE": fake.url, "SHOP_STRIPE_TIMEOUT": "60", "SHOP_STRIPE_RETRIES": "0"}
    fake.stop()


def _checkout_until_payment(address: str, outcome: dict) -> None:
    """A buyer: product, cart, details, review, then "pay", which waits for Stripe (and dies with the worker)."""
    browser = requests.Session()
    page = browser.get(address + "/producten", timeout=30).text
    product = re.search(r'name="product_id" value="(\d+)"', page).group(1)
    browser.post(address + "/winkelmand/toevoegen", timeout=30, data={
        "csrf_token": CSRF.search(page).group(1), "product_id": product, "quantity": "2"})
    start = browser.get(address + "/afrekenen", timeout=30).text
    day = re.search(r'<option[^>]*value="(\d{4}-\d{2}-\d{2})"', start).group(1)
    browser.post(address + "/afrekenen", timeout=30, data={
        "csrf_token": CSRF.search(start).group(1), "email": "an@voorbeeld.be", "name": "An Peeters", "phone": "",
        "method": "pickup", "pickup_date": day})
    review = browser.get(address + "/afrekenen/overzicht", timeout=30).text
    try:
        answer = browser.post(address + "/afrekenen/overzicht", timeout=90, allow_redirects=False,
                              data={"csrf_token": CSRF.search(review).group(1), "accept_terms": "y"})
        outcome["status"] = answer.status_code
    except requests.RequestException as error:
        outcome["status"] = repr(error)


def test_a_worker_killed_while_waiting_for_stripe_leaves_an_order_that_reconcile_settles(tmp_path, stripe_env):
    fake, stripe = stripe_env
    env = server_env(tmp_path, tmp_path / "shop.db", "killed-worker-secret") | stripe
    for command in (["-m", "flask", "--app", "shop", "db", "upgrade"], ["-c", SEED]):
        subprocess.run([sys.executable, *command], cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
    port = free_port()
    log = tmp_path / "gunicorn.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--workers", "1", "shop.wsgi:app"],
        cwd=ROOT, env=env | {"SHOP_BIND": f"127.0.0.1:{port}"}, stdout=log.open("w"), stderr=subprocess.STDOUT)
    address = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(address, server, log, 60)
        fake.time_out_next(seconds=30)  # Stripe keeps the checkout-session request waiting
        outcome: dict = {}
        buyer = threading.Thread(target=_checkout_until_payment, args=(address, outcome))
        buyer.start()
        deadline = time.monotonic() + 60
        while fake._failures and time.monotonic() < deadline:  # the request reached Stripe and waits
            time.sleep(0.05)
        assert not fake._failures, "the checkout never asked Stripe"
        worker = int(subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True)
                     .stdout.split()[0])
        os.kill(worker, signal.SIGKILL)
        buyer.join(timeout=90)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    assert outcome["status"] != 303  # the buyer never got to Stripe's page (the proxy would answer 502)
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'shop.db'}",
                      "RATELIMIT_STORAGE_URI": "memory://", "STRIPE_SECRET_KEY": stripe["STRIPE_SECRET_KEY"],
                      "STRIPE_API_BASE": fake.url, "STRIPE_MAX_NETWORK_RETRIES": 0, "STRIPE_TIMEOUT_SECONDS": 5})
    with app.app_context():
        [order] = db.session.query(Order).all()
        cheese = db.session.query(Product).one()
        assert (order.status, order.payment_session_id, cheese.stock) == (OrderStatus.PENDING_PAYMENT, None, 3)

        with app.test_request_context():
            reconcile_all(now=time.time() + (HALF_MADE_AFTER.total_seconds() + 60))

        db.session.expire_all()
        assert (db.session.get(Order, order.id).status, db.session.get(Product, cheese.id).stock) == (
            OrderStatus.CANCELLED, 5)
