"""How the shop sits behind a reverse proxy: which forwarded headers to believe, and HSTS in production.

With ``TRUSTED_PROXIES`` = n (``SHOP_TRUSTED_PROXIES``), the last n proxies' X-Forwarded-For, -Proto, -Host and
-Port are believed (werkzeug's ProxyFix): the client address that rate limits count, https for url_for.
With 0 (the default) nothing forwarded is believed, so a visitor cannot pose as another address. The host
names the shop answers to are ``TRUSTED_HOSTS`` (Flask refuses others with 400); links in mails and Stripe's
return addresses never come from the request's Host but from SHOP_BASE_URL (shop.core.links).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    if app.config.get("ENV_NAME") == "production" and not app.config.get("TRUSTED_HOSTS"):
        # Production answers only to the host of its own address unless told otherwise.
        host = urlsplit(app.config.get("SHOP_BASE_URL") or "").hostname
        if host:
            app.config["TRUSTED_HOSTS"] = [host]
    hsts = int(app.config.get("HSTS_SECONDS") or 0)
    if hsts:
        @app.after_request
        def strict_transport_security(response):
            response.headers.setdefault("Strict-Transport-Security", f"max-age={hsts}; includeSubDomains")
            return response


def trust_proxies(app: Flask) -> None:
    """Believe the forwarded headers (``TRUSTED_PROXIES``): called last by create_app, so that this is the outermost
    WSGI layer and every layer inside (the page cache's fast path, Flask) sees the client's host and scheme."""
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies)
