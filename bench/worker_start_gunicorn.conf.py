"""gunicorn.conf.py, as the shop starts, plus a line per process in the file ``BENCH_WORKER_START_RECORDS`` (JSON) when
it holds its facet index (bench/worker_start.py): the arbiter once its app is loaded, each worker at the end of its
start (``post_worker_init``: inherited, brought up to date or not) and at the end of a build in a thread."""

import json
import os
import time
from pathlib import Path

exec(compile((Path(__file__).resolve().parent.parent / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"))
_shop_post_worker_init = post_worker_init  # noqa: F821 - defined by the shop's file run above


def _record(event: str, **extra) -> None:
    times = os.times()
    with open(os.environ["BENCH_WORKER_START_RECORDS"], "a") as file:
        file.write(json.dumps({"pid": os.getpid(), "t": time.time(), "event": event,
                               "cpu": times.user + times.system, **extra}) + "\n")


def on_starting(server):
    _record("loaded")  # the app is loaded in the arbiter (preload_app), before when_ready's build


def post_worker_init(worker):  # noqa: F811 - the shop's, recorded
    from shop.catalog import facet_index
    from shop.wsgi import app

    build = facet_index._build_in_background

    def recorded(*args, **kwargs):
        build(*args, **kwargs)
        _record("built", has_index=facet_index.EXTENSION in app.extensions)

    facet_index._build_in_background = recorded
    _shop_post_worker_init(worker)
    _record("started", has_index=facet_index.EXTENSION in app.extensions,
            building=facet_index.BUILDING in app.extensions)
