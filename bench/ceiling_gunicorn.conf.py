"""gunicorn.conf.py's settings for the ceiling (bench/ceiling.py), without its post_fork hook, which opens the
shop's database engines: the bare app has none."""

from pathlib import Path

exec(compile((Path(__file__).resolve().parent.parent / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"))


def post_fork(server, worker):  # noqa: F811 - replaces the shop's hook on purpose
    pass
