"""The private parts of libraries the shop reads for speed are still where it reads them (each of these fails on an
upgrade that moved one, naming it and the installed version), and without them the shop behaves as the library
does by itself: the same answers, only slower."""

from __future__ import annotations

import os
import uuid
from importlib.metadata import version
from types import SimpleNamespace

import flask_babel
import flask_login.utils
import pytest
from flask import g
from sqlalchemy import update

from shop.catalog.models import Product
from shop.core import i18n, login_state, page_cache, rate_limits
from shop.extensions import limiter


def test_flask_limiter_has_what_the_check_before_a_request_reads(app):
    assert rate_limits.internals_problems(limiter) == []
    hooks = app.before_request_funcs[None]
    assert limiter._check_request_limit not in hooks and any(
        hook.__module__ == rate_limits.__name__ for hook in hooks), (
        f"Flask-Limiter {version('flask-limiter')} no longer registers Limiter._check_request_limit with "
        "app.before_request in init_app: shop.core.rate_limits left its check before every request")
    # What the check skips, it skips because none of these can hold a limit. A new place for limits in an upgrade
    # would be missed silently: these are the attributes 4.1 has, and each one that holds limits is read.
    manager_attributes = set(vars(limiter.limit_manager))
    known = {"_application_limits", "_default_limits", "_decorated_limits", "_blueprint_limits", "_route_exemptions",
             "_blueprint_exemptions", "_endpoint_hints", "_logger"}
    limiter_limits = {name for name, value in vars(limiter).items()
                      if ("limit" in name or "fallback" in name) and isinstance(value, list | dict | set)}
    assert manager_attributes == known and limiter_limits == {
        "_meta_limits", "_in_memory_fallback", "_marked_for_limiting"}, (
        f"Flask-Limiter {version('flask-limiter')} keeps its limits in other attributes than 4.1 did: check that "
        f"shop.core.rate_limits still reads every place a limit checked before a request can be "
        f"(LimitManager: {sorted(manager_attributes)}; Limiter: {sorted(limiter_limits)})")


def test_flask_limiter_steps_after_a_request_are_run_only_when_a_limit_was_checked(app):
    after = [getattr(step, "__qualname__", "") for step in app.after_request_funcs[None]]
    teardown = [getattr(step, "__qualname__", "") for step in app.teardown_request_funcs[None]]
    assert any(name.endswith("<locals>.limit_headers") for name in after) and any(
        name.endswith("<locals>.forget_limits_checked") for name in teardown), (
        f"Flask-Limiter {version('flask-limiter')} no longer registers Limiter.__inject_headers and "
        "Limiter.__release_context where shop.core.rate_limits looks for them (or keeps a request's state elsewhere): "
        f"both run after every request again ({rate_limits.after_request_problems(app, limiter)})")


def test_flask_limiter_changed_before_start_up_keeps_its_own_check_before_every_request(monkeypatch):
    from shop import create_app

    monkeypatch.delattr(limiter.limit_manager, "_endpoint_hints")
    changed = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert rate_limits.internals_problems(limiter) == [
        f"Flask-Limiter {version('flask-limiter')} no longer has LimitManager._endpoint_hints (a dict)"]
    assert limiter._check_request_limit in changed.before_request_funcs[None]


def test_flask_babel_keeps_its_state_where_translations_read_it(app):
    assert i18n.internals_problems(app) == []
    assert i18n._reads_babel_state


def test_a_flask_babel_keeping_its_state_elsewhere_is_named(app, monkeypatch):
    def elsewhere():
        if not hasattr(g, "_babel_v5"):
            g._babel_v5 = SimpleNamespace()
        return g._babel_v5

    monkeypatch.setattr(flask_babel, "_get_current_context", elsewhere)
    assert i18n.internals_problems(app) == [
        f"Flask-Babel {version('flask-babel')} no longer keeps its state at g._flask_babel"]


def test_pages_are_translated_through_flask_babel_alone_when_its_state_cannot_be_read(client, db, monkeypatch):
    monkeypatch.setattr(i18n, "_reads_babel_state", False)
    assert i18n._babel_state() is None
    page = client.get("/producten", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert 'lang="fr"' in page and "Produits" in page


def test_flask_login_keeps_its_user_where_prices_and_the_page_cache_read_it(app):
    assert login_state.internals_problems(app) == []
    assert login_state._reads_login_state


def test_a_flask_login_keeping_its_user_elsewhere_is_named(app, monkeypatch):
    def elsewhere():
        if "_user_v1" not in g:
            g._user_v1 = app.login_manager.anonymous_user()
        return g._user_v1

    monkeypatch.setattr(flask_login.utils, "_get_user", elsewhere)
    assert login_state.internals_problems(app) == [
        f"Flask-Login {version('flask-login')} no longer keeps the user it loaded at g._login_user",
        f"Flask-Login {version('flask-login')} no longer keeps current_user answering the user set at g._login_user"]


def test_without_flask_login_s_state_the_visitor_is_asked_through_current_user(app, monkeypatch):
    monkeypatch.setattr(login_state, "_reads_login_state", False)
    with app.test_request_context("/"):
        login_state.treat_as_visitor()
        assert "_login_user" not in g
        assert login_state.loaded_user() is None


def test_sqlalchemy_keeps_an_update_s_values_where_the_facet_index_reads_them():
    statement = update(Product).values(stock=1, price_cents=250)
    values = getattr(statement, "_values", None)
    assert values is not None and {getattr(column, "key", column) for column in values} == {
        "stock", "price_cents"}, (
        f"SQLAlchemy {version('sqlalchemy')} no longer keeps an UPDATE's VALUES in Update._values: "
        "shop.catalog.facet_index now takes every change of products for more than stock")


def test_redis_py_has_what_the_page_cache_s_tracking_connection_reads():
    redis = pytest.importorskip("redis")
    url = os.environ.get("SHOP_TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5)
    pool = client.connection_pool
    connection = pool.connection_class(**{**pool.connection_kwargs, "protocol": 3})
    try:
        connection.connect()
    except redis.RedisError:
        pytest.skip(f"no Redis at {url}")
    try:
        assert page_cache.tracking_internals_problems(connection) == []
    finally:
        connection.disconnect()


def test_a_redis_py_without_what_tracking_reads_gives_the_generation_with_a_get_per_request(monkeypatch):
    redis = pytest.importorskip("redis")
    url = os.environ.get("SHOP_TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {url}")
    key = f"test-internals-{uuid.uuid4().hex}:generation"
    monkeypatch.setattr(page_cache, "tracking_internals_problems",
                        lambda connection: ["redis-py 99 (_Parser) has no Connection._sock.fileno()"])
    generation = page_cache.RedisGeneration(client, key)
    try:
        first = generation.read()
        generation.bump()
        second = generation.read()
    finally:
        client.delete(key)
    assert not generation.tracking  # read with a GET from now on, not taken for Redis being down
    assert first is not None and second is not None and first != second
