"""Parallel visitors against a running shop: each browses filtered listings, searches, opens products and
packages and adds to its own cart (with its CSRF token), one request after the other.

    .venv/bin/python -m tools.visitors --clients 16 --seconds 300          # against `make run`
    .venv/bin/python -m tools.visitors --url http://127.0.0.1:5000 --database instance/shop.db

It prints the number of answers per status and every failure, and exits non-zero when any request failed or
answered anything but 200. The stress test (tests/serving) runs the same visitors for a few seconds.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import random
import re
import sqlite3
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PRODUCT_ID = re.compile(r'name="product_id" value="(\d+)"')
# What a visitor can reach: published products of active producers, active packages.
REACHABLE = {
    "categories": "SELECT slug FROM categories",
    "regions": "SELECT slug FROM regions",
    "products": "SELECT p.slug FROM products p JOIN producers r ON r.id = p.producer_id"
                " WHERE p.status = 'published' AND r.active",
    "packages": "SELECT slug FROM packages WHERE active",
}
SEARCH_WORDS = ["kaas", "bier", "kerst", "appel"]


@dataclass
class Outcome:
    answers: list[tuple[str, int]] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)


def reachable_slugs(database: Path) -> dict[str, list[str]]:
    """The slugs a visitor can open, read from the shop's SQLite file."""
    with sqlite3.connect(database) as connection:
        return {name: [row[0] for row in connection.execute(query)] for name, query in REACHABLE.items()}


def visitor(url: str, slugs: dict[str, list[str]], seed: int, stop_at: float, outcome: Outcome,
            visits: int | None = None) -> None:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    rnd = random.Random(seed)
    pages = [
        lambda: "/producten?" + urllib.parse.urlencode({"categorie": rnd.choice(slugs["categories"]),
                                                        "streek": rnd.choice(slugs["regions"]),
                                                        "pagina": rnd.randint(1, 3)}),
        lambda: "/producten?" + urllib.parse.urlencode({"q": rnd.choice(SEARCH_WORDS)}),
        lambda: "/producten/" + rnd.choice(slugs["products"]),
        lambda: "/pakketten/" + rnd.choice(slugs["packages"]),
        lambda: "/pakketten",
    ]
    done = 0
    while time.monotonic() < stop_at and (visits is None or done < visits):
        done += 1
        path = rnd.choice(pages)()
        try:
            with opener.open(url + path, timeout=30) as response:
                body = response.read().decode()
                outcome.answers.append((path, response.status))
            token, product = CSRF.search(body), PRODUCT_ID.search(body)
            if token and product and rnd.random() < 0.3:
                data = urllib.parse.urlencode({"csrf_token": token.group(1), "product_id": product.group(1),
                                               "quantity": 1, "next": path}).encode()
                with opener.open(url + "/winkelmand/toevoegen", data=data, timeout=30) as response:
                    response.read()
                    outcome.answers.append(("POST /winkelmand/toevoegen", response.status))
        except Exception as error:  # any refused connection, reset or HTTP error is a failed visit
            outcome.failures.append((path, repr(error)))


def run(url: str, slugs: dict[str, list[str]], clients: int, seconds: float, visits: int | None = None) -> Outcome:
    """``clients`` visitors in parallel threads for ``seconds``, or until each has opened ``visits`` pages;
    every answer and failure is collected."""
    outcome = Outcome()
    stop_at = time.monotonic() + seconds
    threads = [threading.Thread(target=visitor, args=(url, slugs, seed, stop_at, outcome, visits))
               for seed in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:5000")
    parser.add_argument("--database", type=Path, default=Path("instance/shop.db"))
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args(argv)
    started = time.monotonic()
    outcome = run(args.url.rstrip("/"), reachable_slugs(args.database), args.clients, args.seconds)
    elapsed = time.monotonic() - started
    statuses = Counter(status for _, status in outcome.answers)
    posts = sum(1 for path, _ in outcome.answers if path.startswith("POST"))
    print(f"{args.clients} clients, {elapsed:.0f} s: {len(outcome.answers)} answers "
          f"({len(outcome.answers) / elapsed:.1f}/s, {posts} add-to-cart), by status {dict(statuses)}, "
          f"{len(outcome.failures)} failures")
    for path, error in outcome.failures[:20]:
        print(f"  failed: {path}: {error}")
    return 0 if not outcome.failures and set(statuses) <= {200} else 1


if __name__ == "__main__":
    sys.exit(main())
