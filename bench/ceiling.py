"""The ceiling: a bare WSGI app that answers every request with the products page's bytes (read once from
``BENCH_CEILING_BODY``), served by gunicorn with the shop's own settings (bench/ceiling_gunicorn.conf.py).
What the shop's pages reach is reported as a share of what this reaches on the same machine at the same time.

A request that accepts gzip gets those bytes gzipped (at the level the shop compresses pages with, done once at
start), as the shop answers a browser: the pages measured as browsers ask are compared with this answer."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

from shop.core.compression import LEVEL

BODY = Path(os.environ["BENCH_CEILING_BODY"]).read_bytes() if os.environ.get("BENCH_CEILING_BODY") else b"ok"
PACKED = gzip.compress(BODY, compresslevel=LEVEL, mtime=0)
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(BODY))),
           ("Vary", "Accept-Encoding")]
GZIP_HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(PACKED))),
                ("Vary", "Accept-Encoding"), ("Content-Encoding", "gzip")]


def app(environ, start_response):
    if "gzip" in environ.get("HTTP_ACCEPT_ENCODING", ""):
        start_response("200 OK", GZIP_HEADERS)
        return [PACKED]
    start_response("200 OK", HEADERS)
    return [BODY]
