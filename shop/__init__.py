"""Application factory of the Lekker Oost-Vlaams webshop."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from shop.config import get_config, production_problems
from shop.core import compression, deployment, observability, static_files
from shop.core.db import engine_options


class ShopFlask(Flask):
    """Flask, asking once per function whether it is a coroutine function.

    Flask's ``ensure_sync`` (its documented override point for how async code runs) asks
    ``inspect.iscoroutinefunction`` for every before- and after-request hook, teardown and view of every request,
    0.5-1 µs each and 21 times per add-to-cart; the answer for a function never changes. Plain functions are
    remembered and returned as they are, as Flask does; a coroutine function goes to Flask's ``async_to_sync``
    each time, as before."""

    _MAX_KNOWN = 4096  # hooks, views and handlers are a few hundred; a caller passing new closures never fills memory

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._known_sync: set = set()

    def ensure_sync(self, func):
        known = self._known_sync
        try:
            if func in known:
                return func
        except TypeError:  # an unhashable callable: ask every time
            return super().ensure_sync(func)
        wrapped = super().ensure_sync(func)
        if wrapped is func:
            if len(known) >= self._MAX_KNOWN:
                known.clear()
            known.add(func)
        return wrapped


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    app = ShopFlask(__name__, template_folder="../templates", static_folder="../static", instance_relative_config=True)
    env = (overrides or {}).get("ENV_NAME")
    app.config.from_object(get_config(env))
    if overrides:
        app.config.update(overrides)
    if app.config["ENV_NAME"] == "production":
        problems = production_problems(app.config)
        if problems:
            raise RuntimeError("The shop cannot start in production:\n  " + "\n  ".join(problems))
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    os.makedirs(app.instance_path, exist_ok=True)
    # First among the after-request hooks, so that it runs last, on the final body and headers.
    compression.init_app(app)
    static_files.init_app(app)
    deployment.init_app(app)
    observability.init_app(app)

    _init_extensions(app)
    _connect_domains()
    _register_blueprints(app)
    _register_template_helpers(app)
    from shop.core import page_cache

    page_cache.init_app(app)  # last: its lookup runs after every other check of a request
    deployment.trust_proxies(app)  # the outermost WSGI layer, in front of the page cache's fast path
    _configure_mappers()
    return app


def _configure_mappers() -> None:
    """Resolve every model's relationships now, once, rather than in the first request that builds a model
    object: gunicorn loads the app before it forks (preload_app), so its workers inherit this work instead of each
    paying for it in their first request (measured: 0.3 s on a quiet machine, seconds on a loaded one)."""
    from sqlalchemy.orm import configure_mappers

    configure_mappers()


def _connect_domains() -> None:
    """The domains above accounts and orders hook into them: the catalog names a user's producer, the reference
    data checks the company profile's postcode and place, the orders
    join the personal-data export and the domains above orders its lifecycle, mails, export and pages (once per
    process; repeating is harmless)."""
    from shop.catalog.producer_queries import connect_to_accounts as connect_catalog
    from shop.gifts.services import connect_to_orders as connect_gifts
    from shop.invoicing.quotes import connect_quotes
    from shop.invoicing.services import connect_to_orders as connect_invoicing
    from shop.invoicing.views import connect_to_order_pages as connect_invoicing_pages
    from shop.orders.customers import connect_to_accounts as connect_orders
    from shop.reference.postcodes import connect_to_accounts as connect_postcodes

    connect_catalog()
    connect_postcodes()
    connect_orders()
    connect_invoicing()
    connect_invoicing_pages()
    connect_quotes()
    connect_gifts()


def _init_extensions(app: Flask) -> None:
    from shop import models  # noqa: F401  (registers every model on the metadata)
    from shop.core import i18n, ids, login_state, rate_limits, security, templating
    from shop.core.db import configure_sqlite, defer_to_response
    from shop.extensions import babel, csrf, db, limiter, login_manager, migrate

    # Before every route and every other check: ids in routes that the database can hold, no control
    # characters in a request's query string or form.
    ids.init_app(app)
    security.init_app(app)
    db.init_app(app)
    defer_to_response(app)  # in a request, the work after a commit waits until the response is sent
    with app.app_context():
        for engine in db.engines.values():
            configure_sqlite(engine)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    limiter.init_app(app)
    rate_limits.check_only_where_limits_apply(app, limiter)  # the shop's limits are on routes
    rate_limits.skip_steps_after_requests_without_checks(app, limiter)
    babel.init_app(app, locale_selector=i18n.select_babel_locale)
    i18n.init_app(app)
    templating.init_app(app)

    from shop.accounts.auth import load_user

    login_manager.user_loader(load_user)
    login_state.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from shop.accounts.views import bp as accounts_bp
    from shop.backoffice.views import bp as backoffice_bp
    from shop.cart.views import bp as cart_bp
    from shop.checkout.views import bp as checkout_bp
    from shop.core.views import bp as core_bp
    from shop.gifts.views import bp as gifts_bp
    from shop.invoicing.commands import COMMANDS as invoicing_commands
    from shop.invoicing.views import bp as invoicing_bp
    from shop.operations.commands import COMMANDS as operations_commands
    from shop.operations.views import bp as operations_bp
    from shop.orders.views import bp as orders_bp
    from shop.outbox.commands import COMMANDS as outbox_commands
    from shop.packages.views import bp as packages_bp
    from shop.payments.commands import COMMANDS as payment_commands
    from shop.payments.views import bp as payments_bp
    from shop.portal.commands import COMMANDS as portal_commands
    from shop.portal.views import bp as portal_bp
    from shop.reference.commands import COMMANDS as reference_commands
    from shop.storefront.views import bp as storefront_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(operations_bp)
    app.register_blueprint(storefront_bp)
    app.register_blueprint(packages_bp, url_prefix="/pakketten")
    app.register_blueprint(cart_bp)
    app.register_blueprint(checkout_bp)
    app.register_blueprint(gifts_bp, url_prefix="/bedrijfsgeschenken")
    app.register_blueprint(orders_bp)
    app.register_blueprint(invoicing_bp)
    app.register_blueprint(payments_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(portal_bp, url_prefix="/portaal")
    app.register_blueprint(backoffice_bp, url_prefix="/beheer")
    commands = [
        *payment_commands,
        *outbox_commands,
        *portal_commands,
        *reference_commands,
        *invoicing_commands,
        *operations_commands,
    ]
    for command in commands:
        app.cli.add_command(command)


def _register_template_helpers(app: Flask) -> None:
    """The helpers every template may call, one templating module per domain (core's is set up with i18n)."""
    from shop.accounts import templating as accounts_templating
    from shop.backoffice import templating as backoffice_templating
    from shop.cart import templating as cart_templating
    from shop.catalog import templating as catalog_templating
    from shop.packages import templating as packages_templating
    from shop.portal import templating as portal_templating

    for module in (accounts_templating, catalog_templating, packages_templating, cart_templating, portal_templating,
                   backoffice_templating):
        module.init_app(app)
