"""gunicorn's settings for the shop, read by ``make run`` and by production (``gunicorn shop.wsgi:app`` from
the project folder loads this file).

Worker processes, one request at a time each (the sync worker): the shop keeps no state in a process, and a
crash or a stuck request costs one worker, which the arbiter replaces. Every value can be overridden from the
environment (``SHOP_BIND``, ``SHOP_WEB_WORKERS``, ``SHOP_WEB_TIMEOUT``) or on gunicorn's command line.
"""

import multiprocessing
import os

bind = os.environ.get("SHOP_BIND", "127.0.0.1:5000")
workers = int(os.environ.get("SHOP_WEB_WORKERS") or min(2 * multiprocessing.cpu_count() + 1, 9))
worker_class = "sync"
# A request that takes longer than this is a fault: its worker is killed and replaced.
timeout = int(os.environ.get("SHOP_WEB_TIMEOUT") or 60)
graceful_timeout = 20
# Recycle a worker now and then, so that whatever one might leak over days never adds up. Not too often: a new
# worker starts with an empty page cache of its own (the copies in process, the headers of its hits), and until
# the arbiter built the facet index before the fork (when_ready) each new worker built its own again (2-3 s of CPU
# at 100 times the demo catalogue; now it catches up from the change log, or builds when it cannot). At page-cache
# rates (over a thousand pages a second per worker on 2 cores) 5,000 requests replaced each worker every few
# seconds, and 100,000 every ~80 s, all five within seconds of each other (they share the load evenly): the bench
# saw cached pages fall from ~60 % to 27-42 % of the ceiling, with 150-270 ms stalls, while they restarted. A
# million, plus up to half as many more per worker so that they restart apart: at 10 requests a second per worker
# that is every day or two, at the bench's rates every 15-20 minutes.
max_requests = 1_000_000
max_requests_jitter = 500_000
# Load the application once in the arbiter, so that an import error stops the start with one clear message.
preload_app = True
accesslog = os.environ.get("SHOP_ACCESS_LOG") or None
errorlog = "-"
loglevel = "info"
proc_name = "lekker-oost-vlaams"
# No gunicornc control socket: nothing uses it, and two shops on one machine would share its path.
control_socket_disable = True


def when_ready(server):
    # The app is loaded (preload_app: Arbiter.setup) and the address bound; no worker is forked yet (that follows
    # this hook). The products list's facet index is built here once, in the arbiter's only thread, and the
    # arbiter's database and Redis connections are closed again (shop.catalog.facet_index.build_before_fork): every
    # worker, also one forked much later to replace another, starts with it and only catches up from the change
    # log, instead of each building its own (2-3 s of CPU per worker at 100 times the demo catalogue). If it
    # cannot be built (the database down, a timeout), the shop starts anyway and each worker builds its own.
    if server.cfg.preload_app:  # else the app is not loaded here, and is not to be (each worker loads its own)
        from shop.catalog.facet_index import build_before_fork
        from shop.core.garbage_collection import release_free_memory, tune_for_serving
        from shop.wsgi import app

        if build_before_fork(app):
            tune_for_serving()  # the index's objects frozen too, like the rest of the loaded app (shop/wsgi.py)
            release_free_memory()  # the build's temporaries not inherited by every worker
    host, _, port = bind.rpartition(":")
    server.log.info("Lekker Oost-Vlaams is ready at http://%s:%s/ (%d workers; Ctrl+C stops it)",
                    host or "127.0.0.1", port, server.cfg.workers)


def post_fork(server, worker):
    # A forked worker must never use a database connection the arbiter opened (SQLAlchemy: "Using
    # Connection Pools with Multiprocessing or os.fork()"): forget the inherited pool without closing it. The
    # arbiter closes its own after building the facet index (when_ready), so this only guards against one opened
    # since.
    from shop.extensions import db
    from shop.wsgi import app

    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)


def post_worker_init(worker):
    # The products list's facet index inherited from the arbiter (when_ready) is checked against the catalogue's
    # generation and brought up to date from the change log before the first request; without one (the arbiter's
    # build failed) or when the notes cannot be followed, it is built in a thread of the new worker at once
    # (shop.catalog.facet_index.start_building), instead of each list being counted with SQL until a visitor's
    # list starts the build.
    from shop.catalog.facet_index import start_building
    from shop.wsgi import app

    start_building(app)
