"""Several visitors at once against the server ``make run`` starts (gunicorn.conf.py), on loopback, serving a
freshly migrated and seeded SQLite file: every answer is a success and the server is still up afterwards.

Bounded: about five seconds of load from eight clients, each browsing filtered listings, searching, opening
products and packages and adding to its own cart (with its CSRF token), one request after the other.
"""

from __future__ import annotations

import http.cookiejar
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.live_server import free_port, server_env, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 8
LOAD_SECONDS = 5.0
START_SECONDS = 60
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PRODUCT_ID = re.compile(r'name="product_id" value="(\d+)"')


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    instance = tmp_path_factory.mktemp("stress-instance")
    database = instance / "shop.db"
    env = server_env(instance, database, "stress-test-secret")
    for command in (["-m", "flask", "--app", "shop", "db", "upgrade"], ["seed_producers.py"]):
        subprocess.run([sys.executable, *command], cwd=ROOT, env=env, check=True, capture_output=True, timeout=600)
    port = free_port()
    log = instance / "gunicorn.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--workers", "3", "shop.wsgi:app"],
        cwd=ROOT, env=env | {"SHOP_BIND": f"127.0.0.1:{port}"}, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url, process, log, START_SECONDS)
    with sqlite3.connect(database) as connection:
        # What a visitor can reach: published products of active producers, active packages.
        queries = {"categories": "SELECT slug FROM categories", "regions": "SELECT slug FROM regions",
                   "products": "SELECT p.slug FROM products p JOIN producers r ON r.id = p.producer_id"
                               " WHERE p.status = 'published' AND r.active",
                   "packages": "SELECT slug FROM packages WHERE active"}
        slugs = {name: [row[0] for row in connection.execute(query)] for name, query in queries.items()}
    yield url, process, log, slugs, database
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


def _visitor(url: str, slugs: dict[str, list[str]], seed: int, stop_at: float, answers: list, failures: list):
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    rnd = random.Random(seed)
    pages = [
        lambda: "/producten?" + urllib.parse.urlencode({"categorie": rnd.choice(slugs["categories"]),
                                                        "streek": rnd.choice(slugs["regions"]),
                                                        "pagina": rnd.randint(1, 3)}),
        lambda: "/producten?" + urllib.parse.urlencode({"q": rnd.choice(["kaas", "bier", "kerst", "appel"])}),
        lambda: "/producten/" + rnd.choice(slugs["products"]),
        lambda: "/pakketten/" + rnd.choice(slugs["packages"]),
        lambda: "/pakketten",
    ]
    while time.monotonic() < stop_at:
        path = rnd.choice(pages)()
        try:
            with opener.open(url + path, timeout=30) as response:
                body = response.read().decode()
                answers.append((path, response.status))
            token, product = CSRF.search(body), PRODUCT_ID.search(body)
            if token and product and rnd.random() < 0.3:
                data = urllib.parse.urlencode({"csrf_token": token.group(1), "product_id": product.group(1),
                                               "quantity": 1, "next": path}).encode()
                with opener.open(url + "/winkelmand/toevoegen", data=data, timeout=30) as response:
                    response.read()
                    answers.append(("POST /winkelmand/toevoegen", response.status))
        except Exception as error:  # any refused connection, reset or HTTP error is a failed visit
            failures.append((path, repr(error)))


def test_parallel_visitors_get_only_successful_answers_and_the_server_stays_up(server):
    url, process, log, slugs, database = server
    answers: list = []
    failures: list = []
    stop_at = time.monotonic() + LOAD_SECONDS
    clients = [threading.Thread(target=_visitor, args=(url, slugs, seed, stop_at, answers, failures))
               for seed in range(CLIENTS)]
    for client in clients:
        client.start()
    for client in clients:
        client.join()

    assert failures == [], failures[:5]
    assert len(answers) > CLIENTS * 5
    assert {status for _, status in answers} == {200}
    assert any(path.startswith("POST") for path, _ in answers)
    with urllib.request.urlopen(url + "/health", timeout=5) as response:
        assert response.status == 200
    assert process.poll() is None
    # No worker died on the way (a crash is replaced by gunicorn, so it would not show in the answers alone).
    assert not re.search(r"Worker \(pid:\d+\) (was sent|exited)", log.read_text()), log.read_text()[-2000:]
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM cart_lines").fetchone()[0] > 0


def test_the_sqlite_file_is_served_in_wal_mode_with_a_busy_timeout(server):
    *_, database = server
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
