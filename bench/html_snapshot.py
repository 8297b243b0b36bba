"""The HTML of the catalogue pages in Dutch, French and English, written to a folder, to show that a change to how
pages are rendered leaves every byte as it was: take a snapshot before and after, then ``diff -r`` the folders.

    python -m bench.html_snapshot --db sqlite:///bench/.work/bench_s1.db OUTDIR

The pages are the bench's (``bench.pages.choose_pages``: home, products page 1 and its last page, the filtered
page, the search, a product, the packages list, a package, the producers) plus products page 2 and the first
active producer's page. Each request is a new visitor with the language in Accept-Language and no app context of
its own around it (an outer one would share ``g``, and with it flask_babel's locale, across requests). What
differs per visitor or request (CSRF tokens, nonces) is replaced by ``X``. Prints one line per page: language,
key, status, size and a hash of the masked HTML.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path

from sqlalchemy import create_engine, select

from bench.inprocess import _app
from bench.pages import ADD_TO_CART, Page, choose_pages, deep_page_number, resolve

LANGUAGES = ("nl", "fr", "en")
MASKS = (
    (re.compile(r'(name="csrf_token"[^>]*value=")[^"]+'), r"\1X"),
    (re.compile(r'(nonce=")[^"]+'), r"\1X"),
    (re.compile(r'(data-csrf[^=]*=")[^"]+'), r"\1X"),
)


def _producer_slug(url: str) -> str:
    import shop.models  # noqa: F401  (every model mapped)
    from shop.catalog.models import Producer

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                select(Producer.slug).where(Producer.active.is_(True)).order_by(Producer.id).limit(1)
            ).scalar_one()
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="database URL of a seeded catalogue")
    parser.add_argument("outdir", type=Path)
    args = parser.parse_args(argv)

    pages = [p for p in choose_pages(args.db) if p.key != ADD_TO_CART]
    producer = _producer_slug(args.db)
    app = _app(args.db)
    pages = resolve(pages, deep_page_number(app.test_client().get("/producten").get_data(as_text=True)))
    pages += [Page("products_p2", "products page 2", "/producten?pagina=2"),
              Page("producer", "a producer's page", f"/producenten/{producer}")]
    args.outdir.mkdir(parents=True, exist_ok=True)
    for language in LANGUAGES:
        for page in pages:
            response = app.test_client().get(page.path, headers={"Accept-Language": language})
            html = response.get_data(as_text=True)
            for pattern, replacement in MASKS:
                html = pattern.sub(replacement, html)
            (args.outdir / f"{language}_{page.key}.html").write_text(html, encoding="utf-8")
            digest = hashlib.sha1(html.encode()).hexdigest()[:12]
            print(f"{language} {page.key:<14} {response.status_code} {len(html):7d} {digest}  {page.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
