"""Static files: a content fingerprint in every address, a year of caching when it matches, revalidation with
the ETag (304) otherwise; gzip for text when the client accepts it."""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

from shop.core.static_files import Fingerprints
from tests.factories import make_product

STATIC = Path(__file__).resolve().parents[2] / "static"
YEAR = "public, max-age=31536000, immutable"


def fingerprint_of(relative: str) -> str:
    return hashlib.sha256((STATIC / relative).read_bytes()).hexdigest()[:12]


def test_pages_link_static_files_with_the_fingerprint_of_their_content(client, db):
    html = client.get("/producten").text
    assert f'href="/static/css/shop.css?v={fingerprint_of("css/shop.css")}"' in html
    assert f'src="/static/js/shop.js?v={fingerprint_of("js/shop.js")}" defer' in html
    assert re.search(r'src="/static/img/logo\.svg\?v=[0-9a-f]{12}"', html)


def test_a_fingerprinted_file_is_cached_for_a_year_and_revalidated_with_its_etag_otherwise(client):
    fresh = client.get(f"/static/css/shop.css?v={fingerprint_of('css/shop.css')}")
    assert fresh.status_code == 200
    assert fresh.headers["Cache-Control"] == YEAR
    assert fresh.headers.get("Set-Cookie") is None and "Cookie" not in fresh.headers.get("Vary", "")
    for url in ("/static/css/shop.css", "/static/css/shop.css?v=000000000000"):
        assert client.get(url).headers["Cache-Control"] == "no-cache"
    again = client.get("/static/css/shop.css", headers={"If-None-Match": fresh.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""


def test_text_is_gzipped_for_clients_that_accept_it(client, db):
    plain = client.get("/producten")
    packed = client.get("/producten", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"] and "Accept-Encoding" in plain.headers["Vary"]
    assert "Content-Encoding" not in plain.headers
    html = gzip.decompress(packed.data).decode()
    assert html.startswith("<!doctype html>") and int(packed.headers["Content-Length"]) == len(packed.data)
    assert gzip.decompress(packed.data) == plain.data and len(packed.data) * 2 < len(plain.data)


def test_a_gzipped_static_file_keeps_answering_304_to_its_weak_etag(client):
    url = f"/static/css/shop.css?v={fingerprint_of('css/shop.css')}"
    packed = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == (STATIC / "css/shop.css").read_bytes()
    assert packed.headers["ETag"].startswith('W/"')
    again = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]})
    assert again.status_code == 304


def test_small_responses_and_images_are_sent_as_they_are(client):
    assert "Content-Encoding" not in client.get("/health", headers={"Accept-Encoding": "gzip"}).headers
    assert "Content-Encoding" not in client.get("/static/img/logo.svg", headers={"Accept-Encoding": "gzip"}).headers


def test_a_changed_file_gets_a_new_fingerprint_when_watched(tmp_path):
    (tmp_path / "a.css").write_text("a { color: red }")
    watched = Fingerprints(str(tmp_path), watch=True)
    before = watched.of("a.css")
    (tmp_path / "a.css").write_text("a { color: blue; }")
    assert watched.of("a.css") != before
    assert watched.of("missing.css") is None
    assert watched.of("../etc/passwd") is None


def test_a_page_with_a_csrf_token_and_a_query_string_is_not_compressed_in_one_piece(app, client, db):
    make_product("Kaas met token")
    db.session.commit()
    cache = app.extensions["page_cache"]
    was_enabled, cache.enabled = cache.enabled, False  # rendered here, token and search word in one compression window
    try:
        plain_address = client.get("/producten", headers={"Accept-Encoding": "gzip"})
        searched = client.get("/producten?q=kaas", headers={"Accept-Encoding": "gzip"})
    finally:
        cache.enabled = was_enabled
    assert plain_address.headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in searched.headers
    assert 'name="csrf_token"' in searched.text and "Accept-Encoding" in searched.headers["Vary"]


def test_a_cached_page_is_compressed_with_its_tokens_apart_and_reads_back_exactly(app, db):
    # A page from the cache has its token compressed by a compressor of its own (no BREACH length oracle), so
    # it is compressed also with a query string.
    import zlib

    make_product("Kaas met token")
    db.session.commit()
    pages = []
    for _visitor in range(3):
        with app.app_context():
            visitor = app.test_client()
            packed = visitor.get("/producten?q=kaas", headers={"Accept-Encoding": "gzip"})
            assert packed.headers.get("Content-Encoding") == "gzip", (_visitor, packed.headers)
            packed.direct_passthrough = False
            body = packed.get_data()
            plain = gzip.decompress(body)
            assert zlib.decompress(body, wbits=31) == plain
            assert b'name="csrf_token"' in plain and b"<!--page-cache" not in plain
            pages.append(plain)
    assert pages[0] != pages[1] != pages[2]  # each visitor their own token
    assert {len(re.sub(rb'value="[^"]*"', b"", page)) for page in pages} == {len(re.sub(rb'value="[^"]*"', b"",
                                                                                         pages[0]))}
