"""Two web instances (gunicorn, production's configuration: preloaded app, forked workers) sharing PostgreSQL and
Redis: a catalogue change made by another process shows on both instances' cached pages at their next request,
though each holds the page and the catalogue's generation in process (shop.core.page_cache.RedisGeneration)."""

from __future__ import annotations

import subprocess
import sys

import requests

# The generation is read again only when Redis pushes an invalidation (not after its usual second).
ENV = {"SHOP_PAGE_CACHE_REDIS_RECHECK_SECONDS": "3600"}

SEED = """
from shop import create_app
from shop.extensions import db
from tests.factories import make_product
app = create_app()
with app.app_context():
    make_product("Oude Brugge", price_cents=1250, stock=10)
    db.session.commit()
"""



def _cached_page(address: str, path: str) -> requests.Response:
    for _ in range(5):  # the first visits fill the cache (Flask's hit, then the fast one in front of it)
        response = requests.get(address + path, timeout=30)
        assert response.status_code == 200
    assert response.headers["X-Page-Cache"] == "hit"
    return response


def test_a_price_changed_by_another_process_shows_on_both_instances_cached_pages(instances):
    a, b = instances.addresses
    for address in (a, b):
        assert "12,50" in _cached_page(address, "/producten").text

    # A writer in a process of its own (as a command or a worker would be) changes the price and ends.
    change = """
from shop import create_app
from shop.extensions import db
from shop.catalog.models import Product
app = create_app()
with app.app_context():
    db.session.execute(db.select(Product)).scalar_one().price_cents = 1399  # the one product seeded
    db.session.commit()
"""
    subprocess.run([sys.executable, "-c", change], env=instances.env, check=True, capture_output=True, timeout=300)

    # The next visit to either instance, which each hold the page and the generation in process, has the new price.
    for address in (a, b):
        response = requests.get(address + "/producten", timeout=30)
        assert "13,99" in response.text and "12,50" not in response.text, response.headers.get("X-Page-Cache")
    for address in (a, b):
        assert "13,99" in _cached_page(address, "/producten").text
