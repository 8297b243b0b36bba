"""The WSGI application that gunicorn serves (``gunicorn shop.wsgi:app``); configuration comes from the
environment (shop/config.py)."""

from shop import create_app

app = create_app()

# gunicorn loads this module once, before it forks its workers (preload_app): the page cache's fingerprint of the
# deployed code (every module, template and static file hashed) is taken here once, not again by each new worker
# on its first page (a worker is replaced every max_requests requests).
app.extensions["page_cache"].build  # noqa: B018
