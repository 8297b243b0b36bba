"""The ceiling: a bare WSGI app that answers every request with the products page's bytes (read once from
``BENCH_CEILING_BODY``), served by gunicorn with the shop's own settings (bench/ceiling_gunicorn.conf.py).
What the shop's pages reach is reported as a share of what this reaches on the same machine at the same time."""

from __future__ import annotations

import os
from pathlib import Path

BODY = Path(os.environ["BENCH_CEILING_BODY"]).read_bytes() if os.environ.get("BENCH_CEILING_BODY") else b"ok"
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(BODY)))]


def app(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
