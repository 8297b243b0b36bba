"""The WSGI application that gunicorn serves (``gunicorn shop.wsgi:app``); configuration comes from the
environment (shop/config.py)."""

from shop import create_app
from shop.core.garbage_collection import tune_for_serving
from shop.payments.gateway import load_stripe

app = create_app()

# gunicorn loads this module once, before it forks its workers (preload_app): the page cache's fingerprint of the
# deployed code (every module, template and static file hashed) is taken here once, not again by each new worker
# on its first page (a worker is replaced every max_requests requests).
app.extensions["page_cache"].build  # noqa: B018
# Likewise what Stripe's SDK loads on first use: not in each worker's first payment or webhook.
load_stripe()

# The loaded app's objects out of the collector's way, and a threshold that lets a page finish between collections
# (shop.core.garbage_collection); in the arbiter, so that every worker inherits both.
tune_for_serving()
