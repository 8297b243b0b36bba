"""The products list's facet index under gunicorn (gunicorn.conf.py, as ``make run`` and production start it, on a
seeded SQLite file): built once in the arbiter before it forks its workers, served by every worker without a build
of its own, and caught up from the change log by a worker forked after a catalogue change (no stale list).

Each process writes one log line when it starts a build, before the build (``facet index: building ... in process
N``), so a worker that built shows in the server's log before its first answer."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.live_server import free_port, server_env, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 2
SEED = """
from shop import create_app
from shop.extensions import db
from tests.factories import make_product
app = create_app()
with app.app_context():
    make_product("Oude Brugge", price_cents=1250, stock=5)
    make_product("Jonge Gouda", price_cents=890, stock=5)
    db.session.commit()
"""
HIDE = """
from sqlalchemy import select
from shop import create_app
from shop.catalog.models import Product, ProductStatus
from shop.extensions import db
app = create_app()
with app.app_context():
    db.session.scalars(select(Product).where(Product.name == "Jonge Gouda")).one().status = ProductStatus.HIDDEN
    db.session.commit()
"""
BUILDING = re.compile(r"facet index: building .* in process (\d+)")


def _workers(arbiter: int) -> set[int]:
    found = subprocess.run(["pgrep", "-P", str(arbiter)], capture_output=True, text=True).stdout.split()
    return {int(pid) for pid in found}


def _products_page(address: str) -> str:
    with urllib.request.urlopen(address + "/producten", timeout=30) as response:
        return response.read().decode()


@pytest.fixture
def shop(tmp_path):
    env = server_env(tmp_path, tmp_path / "shop.db", "index-before-fork-secret")
    for command in (["-m", "flask", "--app", "shop", "db", "upgrade"], ["-c", SEED]):
        subprocess.run([sys.executable, *command], cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
    port = free_port()
    log = tmp_path / "gunicorn.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--workers", str(WORKERS), "shop.wsgi:app"],
        cwd=ROOT, env=env | {"SHOP_BIND": f"127.0.0.1:{port}"}, stdout=log.open("w"), stderr=subprocess.STDOUT)
    address = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(address, server, log, 60)
        yield address, server, log, env
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def test_every_worker_serves_the_list_from_the_index_the_arbiter_built_before_the_fork(shop):
    address, server, log, _env = shop
    for _ in range(2 * WORKERS):
        page = _products_page(address)
        assert "Oude Brugge" in page and "Jonge Gouda" in page

    text = log.read_text()
    assert "products built before the workers start" in text, text[-3000:]
    assert [int(pid) for pid in BUILDING.findall(text)] == [server.pid], text[-3000:]  # the arbiter's build only
    assert len(_workers(server.pid)) == WORKERS


def test_a_worker_forked_after_a_change_catches_the_inherited_index_up_without_a_build(shop):
    address, server, log, env = shop
    assert "Jonge Gouda" in _products_page(address)
    # A change the index follows per product, after the arbiter's build; then every worker replaced by a fork of
    # the arbiter, whose index is from before the change.
    subprocess.run([sys.executable, "-c", HIDE], cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
    old = _workers(server.pid)
    for pid in old:
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 60
    while (len(now := _workers(server.pid)) != WORKERS or now & old) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not now & old and len(now) == WORKERS

    for _ in range(2 * WORKERS):
        page = _products_page(address)
        assert "Oude Brugge" in page and "Jonge Gouda" not in page  # never the inherited index's stale list

    text = log.read_text()
    assert [int(pid) for pid in BUILDING.findall(text)] == [server.pid], text[-3000:]  # brought up to date only
