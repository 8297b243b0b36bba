"""Several visitors at once against the server ``make run`` starts (gunicorn.conf.py), on loopback, serving a
freshly migrated and seeded SQLite file: every answer is a success and the server is still up afterwards.

Bounded by count, not by time (a busy machine only makes it slower): eight clients (tools/visitors.py, which
runs the same visitors for minutes against `make run`) open twelve pages each, browsing filtered listings, searching, opening products and packages and
adding to its own cart (with its CSRF token), one request after the other.
"""

from __future__ import annotations

import re
import signal
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.live_server import free_port, server_env, wait_until_up
from tools.visitors import reachable_slugs, run

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 8
VISITS = 12
# Only a safety net for a server that stops answering: the visits, not the clock, end the load.
LOAD_SECONDS_AT_MOST = 300
START_SECONDS = 60


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
    yield url, process, log, reachable_slugs(database), database
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


def test_parallel_visitors_get_only_successful_answers_and_the_server_stays_up(server):
    url, process, log, slugs, database = server
    outcome = run(url, slugs, CLIENTS, LOAD_SECONDS_AT_MOST, visits=VISITS)
    answers, failures = outcome.answers, outcome.failures

    assert failures == [], failures[:5]
    assert len([path for path, _ in answers if not path.startswith("POST")]) == CLIENTS * VISITS
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
