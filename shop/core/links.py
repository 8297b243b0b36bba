"""Absolute links for e-mails and documents, built from the URL map like ``url_for`` but outside a request too.

A link that names a route the shop does not have raises ``BuildError`` here, as ``url_for`` does on a page, so a
broken mail link fails the test that renders the mail instead of sending a customer to a 404.
"""

from __future__ import annotations

from flask import current_app


def absolute_url_for(endpoint: str, **values) -> str:
    """``SHOP_BASE_URL`` followed by the path of ``endpoint`` with ``values`` (a request's Host is never used)."""
    # The adapter's host is irrelevant: only the path is built and put behind the configured base URL.
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["SHOP_BASE_URL"].rstrip("/") + path
