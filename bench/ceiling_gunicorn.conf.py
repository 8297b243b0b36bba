"""gunicorn.conf.py's settings for the ceiling (bench/ceiling.py) and the add-to-cart floor (bench/cart_floor.py),
without its hooks that build the shop's facet index in the arbiter and open its database engines and start its
facet index in the workers: a bare app has neither (they would load the shop into the arbiter and every worker and
build its index there, taking the CPU being measured)."""

from pathlib import Path

exec(compile((Path(__file__).resolve().parent.parent / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"))


def when_ready(server):  # noqa: F811 - replaces the shop's hook on purpose: no facet index built before the fork
    server.log.info("ready (%d workers)", server.cfg.workers)


def post_fork(server, worker):  # noqa: F811 - replaces the shop's hook on purpose
    pass


def post_worker_init(worker):  # noqa: F811 - nor the shop's facet index: the bare app has no shop in it
    pass
