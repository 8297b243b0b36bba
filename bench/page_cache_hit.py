"""In process, one request at a time: what a page-cache hit costs through Flask (``serve_from_cache``) and through
the fast path in front of it (``shop.core.page_cache.FastHits``), beside a bare WSGI app answering the same bytes.

    python -m bench.page_cache_hit [PATH ...]     # default /producten; uses bench/.work/bench_s1.db (make bench)
    python -m bench.page_cache_hit --redis redis://127.0.0.1:6379/9 [PATH ...]   # the generation in Redis
    python -m bench.page_cache_hit --redis-get redis://127.0.0.1:6379/9 [PATH ...]   # ... read with a GET each time

With ``--redis`` the catalogue's generation is kept in that Redis database (as with SHOP_REDIS_URL; its keys under
a prefix of their own, removed afterwards), and the cost of reading it is printed too.

Four visitors: new (no cookie: a new session and CSRF token each time) and returning (a session cookie), each
with and without gzip. Times are the best of three repeats, in microseconds per request (no server, no socket).
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import timeit
import uuid
from pathlib import Path

from werkzeug.test import EnvironBuilder

DATABASE = Path(__file__).resolve().parent / ".work" / "bench_s1.db"


def _call(wsgi, environ) -> tuple[str, dict, bytes]:
    answer: list = []
    body = b"".join(wsgi(dict(environ), lambda status, headers, exc_info=None: answer.append((status, headers))))
    return answer[0][0], dict(answer[0][1]), body


def main(paths: list[str], redis_url: str | None = None, *, tracking: bool = True) -> None:
    os.environ.setdefault("SHOP_ENV", "development")
    from shop import create_app

    folder = tempfile.mkdtemp(prefix="bench-hit-")
    prefix = f"bench-hit-{uuid.uuid4().hex[:8]}:"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{DATABASE}", "SECRET_KEY": "bench-" * 6,
                      "PAGE_CACHE_GENERATION_FILE": os.path.join(folder, "generation"), "REDIS_URL": redis_url,
                      "PAGE_CACHE_PREFIX": prefix, "PAGE_CACHE_REDIS_TRACKING": tracking, "RATELIMIT_STORAGE_URI": "memory://",
                      "LOG_FORMAT": "json", "LOG_LEVEL": "INFO"})
    try:
        _measure(app, paths)
    finally:
        if redis_url:
            client = app.extensions["page_cache"].generation.client
            for key in client.scan_iter(match=prefix + "*"):
                client.delete(key)


def _measure(app, paths: list[str]) -> None:
    generation = app.extensions["page_cache"].generation
    generation.read()
    number = 20000
    took = min(timeit.repeat(generation.read, number=number, repeat=3)) / number
    how = type(generation).__name__ + ("" if getattr(generation, "tracking", True) else ", a GET each time")
    print(f"reading the generation ({how}): {took * 1e6:.2f} µs")
    for handler in logging.getLogger().handlers:  # the request lines are written, to nowhere
        if hasattr(handler, "setStream"):
            handler.setStream(open(os.devnull, "w"))  # noqa: SIM115
    fast = app.wsgi_app
    through_flask = fast.wsgi_app
    for path in paths:
        for encoding in ("", "gzip"):  # the copy, and a hit through Flask of each form (which the fast path needs)
            for _ in range(3):
                app.test_client().get(path, headers={"Accept-Encoding": encoding} if encoding else {})
        first = app.test_client().get(path)
        cookie = first.headers.get("Set-Cookie", "").split(";")[0]
        page = first.get_data()

        def bare(environ, start_response, page=page):
            start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                      ("Content-Length", str(len(page)))])
            return [page]

        number = 1000
        environ = EnvironBuilder(path=path).get_environ()
        ceiling = min(timeit.repeat(lambda environ=environ: _call(bare, environ), number=number, repeat=3)) / number
        print(f"{path}: {len(page):,} bytes; bare WSGI app {ceiling * 1e6:.1f} µs")
        visitors = {"new visitor": {}, "new visitor, gzip": {"Accept-Encoding": "gzip"}}
        if cookie:
            visitors |= {"returning visitor": {"Cookie": cookie},
                         "returning visitor, gzip": {"Cookie": cookie, "Accept-Encoding": "gzip"}}
        for name, headers in visitors.items():
            environ = EnvironBuilder(path=path, headers=headers).get_environ()
            status, sent, _ = _call(fast, environ)
            assert status == "200 OK" and sent.get("X-Page-Cache") == "hit", (status, sent)
            flask = min(timeit.repeat(lambda environ=environ: _call(through_flask, environ), number=number // 4, repeat=3))
            flask /= number // 4
            quick = min(timeit.repeat(lambda environ=environ: _call(fast, environ), number=number, repeat=3)) / number
            print(f"  {name:25s} through Flask {flask * 1e6:7.0f} µs   fast path {quick * 1e6:6.0f} µs"
                  f"   {flask / quick:4.1f}× faster")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    redis = None
    tracking = arguments[:1] != ["--redis-get"]
    if arguments[:1] in (["--redis"], ["--redis-get"]):
        redis, arguments = arguments[1], arguments[2:]
    main(arguments or ["/producten"], redis, tracking=tracking)
