"""Placing orders through payment under load: buyers (new visitors) on a few popular packages that share
components, each through the cart, checkout and the test Stripe server; the webhook completes each payment.
Afterwards the books must show nothing oversold."""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import requests
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from bench.measure import oversold_units, percentile
from bench.pages import CSRF, insecure_cookies

STOCK_PER_COMPONENT = 40


def prepare_packages(url: str, count: int = 10) -> dict:
    """The ``count`` active packages that share the most components with each other (ties by id), each
    component's stock set to STOCK_PER_COMPONENT through inventory (so buyers run out, as in December)."""
    import shop.models  # noqa: F401  (every model mapped)
    from shop import create_app
    from shop.catalog.models import Product
    from shop.extensions import db
    from shop.inventory.models import MovementReason
    from shop.inventory.services import set_stock
    from shop.packages.models import Package, PackageComponent
    from shop.packages.services import is_available

    app = create_app({"ENV_NAME": "development", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        packages = [p for p in db.session.scalars(select(Package).where(Package.active.is_(True))
                                                  .order_by(Package.id)) if is_available(p)]
        uses = Counter(c.product_id for p in packages for c in p.components)
        ranked = sorted(packages, key=lambda p: (-sum(uses[c.product_id] > 1 for c in p.components), p.id))[:count]
        components = sorted({c.product_id for p in ranked for c in p.components})
        shared = sum(1 for product_id in components
                     if sum(product_id in {c.product_id for c in p.components} for p in ranked) > 1)
        for product_id in components:
            set_stock(db.session.get(Product, product_id), STOCK_PER_COMPONENT, MovementReason.CORRECTION,
                      note="bench: stock for the buyers")
        db.session.commit()
        chosen = {"slugs": [p.slug for p in ranked], "components": len(components),
                  "shared_components": shared, "stock_per_component": STOCK_PER_COMPONENT}
        _ = PackageComponent
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
    return chosen


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    place_ms: list[float] = field(default_factory=list)
    webhook_ms: list[float] = field(default_factory=list)
    paid: int = 0
    sold_out: int = 0
    checkout_refused: int = 0
    statuses: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


def choices(html: str, name: str) -> list[str]:
    """The values a visitor can choose in the form's select ``name`` (not disabled, not empty)."""
    select_ = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    if select_ is None:
        return []
    values = []
    for tag in re.findall(r"<option[^>]*>", select_.group(1)):
        value = re.search(r'value="([^"]*)"', tag)
        if value and value.group(1) and not re.search(r"\sdisabled", tag):
            values.append(value.group(1))
    return values


def _buy(base: str, slug: str, stripe, rnd: random.Random, tally: Tally) -> bool:
    """One new visitor buys one package; False when it is sold out."""
    browser = requests.Session()

    def go(method: str, path: str, **kwargs) -> requests.Response:
        response = browser.request(method, path if path.startswith("http") else base + path, timeout=120,
                                   allow_redirects=False, **kwargs)
        insecure_cookies(browser)
        with tally.lock:
            tally.statuses[response.status_code] += 1
            if response.status_code >= 500:
                tally.failures.append(f"{method} {path}: {response.status_code}")
        return response

    page = go("GET", f"/pakketten/{slug}").text
    token, package = CSRF.search(page), re.search(r'name="package_id" value="(\d+)"', page)
    if not (token and package):
        return False
    go("POST", "/winkelmand/toevoegen", data={"csrf_token": token.group(1), "package_id": package.group(1),
                                              "quantity": 1})
    start = go("GET", "/afrekenen")
    days = choices(start.text, "pickup_date")
    if start.status_code != 200 or not days:
        return False
    form = {"csrf_token": CSRF.search(start.text).group(1), "email": f"koper{rnd.randrange(10**9)}@voorbeeld.be",
            "name": "Bench Koper", "phone": "", "method": "pickup", "pickup_date": rnd.choice(days)}
    hours = choices(start.text, "pickup_time")  # pickup hours with a capacity, where the shop has them
    if hours:
        form["pickup_time"] = rnd.choice(hours)
    details = go("POST", "/afrekenen", data=form)
    if details.status_code != 303:
        with tally.lock:
            tally.checkout_refused += 1  # e.g. the hour chosen was full: the shop said so, nothing to count
        return True
    review = go("GET", "/afrekenen/overzicht")
    started = time.perf_counter()
    placed = go("POST", "/afrekenen/overzicht", data={"csrf_token": CSRF.search(review.text).group(1),
                                                       "accept_terms": "y"})
    elapsed = (time.perf_counter() - started) * 1000
    location = placed.headers.get("Location", "")
    if "/pay/" not in location:
        with tally.lock:
            tally.sold_out += 1
        return True  # sold out at the last moment: back to the cart
    with tally.lock:
        tally.place_ms.append(elapsed)
    session_id = location.rsplit("/", 1)[-1]
    completed = stripe.complete_session(session_id, paid=True)
    payload = json.dumps(stripe.event("checkout.session.completed", completed))
    started = time.perf_counter()
    answer = go("POST", "/stripe/webhook", data=payload, headers={
        "Content-Type": "application/json", "Stripe-Signature": stripe.sign(payload)})
    elapsed = (time.perf_counter() - started) * 1000
    with tally.lock:
        tally.webhook_ms.append(elapsed)
        if answer.status_code == 200:
            tally.paid += 1
        else:
            tally.failures.append(f"webhook {answer.status_code}: {answer.text[:200]}")
    return True


def run_buyers(base: str, slugs: list[str], stripe, *, buyers: int, seconds: float) -> dict:
    """``buyers`` threads, each buying packages (a new visitor each time) until ``seconds`` passed or every
    package is sold out."""
    tally = Tally()
    sold_out: set[str] = set()
    stop_at = time.monotonic() + seconds

    def buyer(seed: int) -> None:
        rnd = random.Random(seed)
        while time.monotonic() < stop_at and len(sold_out) < len(slugs):
            slug = rnd.choice([s for s in slugs if s not in sold_out] or slugs)
            try:
                if not _buy(base, slug, stripe, rnd, tally):
                    sold_out.add(slug)
            except requests.RequestException as error:
                with tally.lock:
                    tally.failures.append(repr(error))

    started = time.monotonic()
    threads = [threading.Thread(target=buyer, args=(seed,)) for seed in range(buyers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started

    def spread(values: list[float]) -> dict:
        if not values:
            return {"p50_ms": None, "p99_ms": None, "count": 0}
        return {"p50_ms": round(percentile(values, 50), 1), "p99_ms": round(percentile(values, 99), 1),
                "count": len(values)}

    return {"buyers": buyers, "seconds": round(elapsed, 1), "orders_paid": tally.paid,
            "orders_per_s": round(tally.paid / elapsed, 2) if elapsed else 0, "sold_out_at_place": tally.sold_out,
            "checkout_refused": tally.checkout_refused,
            "place": spread(tally.place_ms), "webhook": spread(tally.webhook_ms),
            "statuses": dict(tally.statuses), "failures": tally.failures[:20], "failure_count": len(tally.failures)}


def check_books(url: str) -> dict:
    """Every product's stock against the sum of its movements: units oversold (0 when the books hold)."""
    import shop.models  # noqa: F401  (every model mapped)
    from shop.catalog.models import Product
    from shop.inventory.models import StockMovement

    engine = create_engine(url)
    try:
        with Session(engine) as session:
            moved = dict(session.execute(select(StockMovement.product_id, func.sum(StockMovement.delta))
                                         .group_by(StockMovement.product_id)).all())
            rows = [(stock, moved.get(product_id, 0) or 0)
                    for product_id, stock in session.execute(select(Product.id, Product.stock))]
    finally:
        engine.dispose()
    return {"oversold_units": oversold_units(rows), "negative_stock": sum(1 for s, _ in rows if s < 0),
            "stock_not_matching_movements": sum(1 for s, m in rows if s != m)}
