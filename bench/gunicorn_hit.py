"""In process, one request at a time, through gunicorn's own request parser and response writer (the code a sync
worker runs per request, on a socket pair): a cached page for a new visitor (no cookie, no gzip) from the shop, or
the ceiling's bare app (bench/ceiling.py). Unlike ``bench.page_cache_hit`` (the WSGI call alone) this counts what
gunicorn does with the answer: parsing the request, checking and writing each response header, sending the body.

    python -m bench.gunicorn_hit sqlite|postgresql|ceiling N PATH [PATH ...]

The shop is configured as bench/servers.py starts it (``shop_env``: SQLite in development, PostgreSQL in
production, Redis when ``BENCH_REDIS_URL`` answers), on ``BENCH_HIT_DATABASE_URL`` (default: bench/.work/bench_s1.db
for SQLite, the bench_s1 database for PostgreSQL); the ceiling answers with the bytes in ``BENCH_CEILING_BODY``.
Prints microseconds per request. Instructions per request (noise-free, for before/after comparisons): run it
under ``valgrind --tool=callgrind`` with two values of N and divide the difference of the totals by the
difference of the Ns (each run warms up first: the copy made and one hit served through Flask).
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from pathlib import Path

ADDRESS = ("127.0.0.1", 40000)
SERVER = ("127.0.0.1", 9511)


def load(kind: str):
    if kind == "ceiling":
        from bench.ceiling import app

        return app
    from bench import servers

    url = os.environ.get("BENCH_HIT_DATABASE_URL") or servers.database_url(kind, f"{servers.DB_PREFIX}_s1")
    env = servers.shop_env(kind, url, "http://127.0.0.1:9", instance=servers.WORK / f"instance-hit-{kind}")
    os.environ.clear()
    os.environ.update(env)
    from shop.wsgi import app  # as gunicorn loads it (preload): frozen for the collector, its fingerprint taken

    return app


def main(kind: str, count: int, paths: list[str]) -> None:
    from gunicorn.config import Config
    from gunicorn.http import RequestParser, wsgi

    app = load(kind)
    config = Config()
    config.set("bind", [f"{SERVER[0]}:{SERVER[1]}"])

    def serve(path: str) -> bytes:
        client, server = socket.socketpair()
        client.sendall(f"GET {path} HTTP/1.1\r\nHost: {SERVER[0]}:{SERVER[1]}\r\nUser-Agent: wrk\r\n\r\n".encode())
        request = next(RequestParser(config, server, ADDRESS))
        response, environ = wsgi.create(request, server, ADDRESS, SERVER, config)
        response.force_close()  # as the sync worker does
        body = app(environ, response.start_response)
        for item in body:
            response.write(item)
        response.close()
        if hasattr(body, "close"):
            body.close()
        server.close()
        answer = b""
        while chunk := client.recv(1 << 20):
            answer += chunk
        client.close()
        return answer

    for path in paths:
        for _ in range(12):  # the copy, then hits through Flask in each worker's way, then the fast path's
            answer = serve(path)
        if kind != "ceiling" and b"X-Page-Cache: hit" not in answer:
            raise SystemExit(f"{path} is not served from the cache:\n{answer[:800]!r}")
    for thread in threading.enumerate():  # background work the warm-up started (the facet index) done first
        if thread is not threading.main_thread():
            thread.join(timeout=30)
    started = time.perf_counter()
    for path in paths:
        for _ in range(count):
            serve(path)
    took = (time.perf_counter() - started) / max(1, count * len(paths))
    print(f"{kind} {' '.join(paths)}: {took * 1e6:.1f} µs a request ({count} each)")


if __name__ == "__main__":
    if len(sys.argv) < 4 or sys.argv[1] not in ("sqlite", "postgresql", "ceiling"):
        raise SystemExit(__doc__)
    if sys.argv[1] == "ceiling":
        os.environ.setdefault("BENCH_CEILING_BODY", str(Path(__file__).resolve().parent / ".work" / "ceiling-body.html"))
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3:])
