"""gzip for text responses (pages, CSS, JavaScript, SVG, JSON) above 1 KB when the client accepts it.

Pages are compressed as they leave (level 6: about a millisecond for a 40 KB page, a sixth of its size);
static files once per file and content (kept in memory, keyed by their fingerprint). Every response that
could be compressed says ``Vary: Accept-Encoding``, so a cache keeps the two forms apart. A compressed static
file's ETag becomes weak (W/"..."): the same content in another encoding; a revalidation with it still
answers 304. Registered first among the after-request hooks, so it runs last, on the final body.

BREACH: a compressed page that holds a secret (the CSRF token) next to text an attacker put in the address
(a search word) leaks the secret through its size. A page rendered here with a CSRF token is compressed only
when its address has no query string. A page from the page cache comes compressed (shop.core.page_cache): its
constant parts once, each per-visitor part (the token) stored uncompressed, so the secret never shares a
compression window with the address's text and the page is compressed whatever its address.
"""

from __future__ import annotations

import gzip
import os

from flask import Flask, g, request
from werkzeug.security import safe_join

MIN_SIZE = 1024
MAX_STATIC_SIZE = 2 * 1024 * 1024
LEVEL = 6
COMPRESSIBLE = frozenset({
    "text/html", "text/css", "text/plain", "text/csv", "text/javascript", "application/javascript",
    "application/json", "application/xml", "image/svg+xml", "application/manifest+json",
})


def accepts_gzip() -> bool:
    return "gzip" in request.accept_encodings


def is_compressible(response) -> bool:
    return (
        response.status_code == 200
        and response.mimetype in COMPRESSIBLE
        and "Content-Encoding" not in response.headers
        and not (response.is_streamed and not response.direct_passthrough)
    )


class StaticGzip:
    """The gzipped bytes of static files, by file name and content fingerprint."""

    def __init__(self, folder: str):
        self.folder = folder
        self._cache: dict[tuple[str, str | None], bytes | None] = {}

    def get(self, filename: str, fingerprint: str | None) -> bytes | None:
        key = (filename, fingerprint)
        if key not in self._cache:
            path = safe_join(self.folder, filename)
            data = None
            if path and os.path.isfile(path) and os.path.getsize(path) <= MAX_STATIC_SIZE:
                with open(path, "rb") as file:
                    raw = file.read()
                if len(raw) >= MIN_SIZE:
                    packed = gzip.compress(raw, compresslevel=9, mtime=0)
                    data = packed if len(packed) < len(raw) else None
            if fingerprint is None:
                return data  # no fingerprint to tell versions apart: do not keep it
            self._cache[key] = data
        return self._cache[key]


def init_app(app: Flask) -> None:
    static_gzip = StaticGzip(app.static_folder)

    @app.after_request
    def compress(response):
        if request.method not in ("GET", "HEAD") or not is_compressible(response):
            return response
        if request.endpoint == "static":
            filename = (request.view_args or {}).get("filename", "")
            fingerprints = app.extensions.get("static_fingerprints")
            fingerprint = fingerprints.of(filename) if fingerprints else None
            if response.content_length is not None and response.content_length < MIN_SIZE:
                return response
            response.vary.add("Accept-Encoding")
            if not accepts_gzip():
                return response
            packed = static_gzip.get(filename, fingerprint)
            if packed is None:
                return response
            response.close()  # the file the static view opened
            response.direct_passthrough = False
            response.set_data(packed)
            etag, _weak = response.get_etag()
            if etag:
                response.set_etag(etag, weak=True)
            response.headers.pop("Accept-Ranges", None)
        else:
            if response.direct_passthrough:
                return response
            data = response.get_data()
            if len(data) < MIN_SIZE:
                return response
            response.vary.add("Accept-Encoding")
            if not accepts_gzip():
                return response
            ready = g.get("page_cache_gzip")
            if ready is not None and ready[0] == data:
                # A page from the cache: compressed once, its per-visitor parts (the CSRF token) each on their
                # own, so its size tells nothing about a secret even beside a search word: no BREACH, also
                # with a query string.
                packed = ready[1]
            elif request.query_string and "csrf_token" in g:
                return response  # BREACH: a secret beside text from the address, in one compression window
            else:
                packed = gzip.compress(data, compresslevel=LEVEL, mtime=0)
            if len(packed) >= len(data):
                return response
            response.set_data(packed)
        response.headers["Content-Encoding"] = "gzip"
        return response
