"""In process, one request at a time: what a page-cache hit costs through Flask (``serve_from_cache``) and through
the fast path in front of it (``shop.core.page_cache.FastHits``), beside a bare WSGI app answering the same bytes.

    python -m bench.page_cache_hit [PATH ...]     # default /producten; uses bench/.work/bench_s1.db (make bench)

Four visitors: new (no cookie: a new session and CSRF token each time) and returning (a session cookie), each
with and without gzip. Times are the best of three repeats, in microseconds per request (no server, no socket).
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import timeit
from pathlib import Path

from werkzeug.test import EnvironBuilder

DATABASE = Path(__file__).resolve().parent / ".work" / "bench_s1.db"


def _call(wsgi, environ) -> tuple[str, dict, bytes]:
    answer: list = []
    body = b"".join(wsgi(dict(environ), lambda status, headers, exc_info=None: answer.append((status, headers))))
    return answer[0][0], dict(answer[0][1]), body


def main(paths: list[str]) -> None:
    os.environ.setdefault("SHOP_ENV", "development")
    from shop import create_app

    folder = tempfile.mkdtemp(prefix="bench-hit-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{DATABASE}", "SECRET_KEY": "bench-" * 6,
                      "PAGE_CACHE_GENERATION_FILE": os.path.join(folder, "generation"), "REDIS_URL": None,
                      "LOG_FORMAT": "json", "LOG_LEVEL": "INFO"})
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
    main(sys.argv[1:] or ["/producten"])
