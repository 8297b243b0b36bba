"""The production configuration: what it refuses to start without, the proxy and hosts it believes, HSTS, and
the database timeouts."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from flask import request
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from shop import create_app
from shop.config import normalise_database_url
from shop.core.db import engine_options

READY = {
    "ENV_NAME": "production",
    "SECRET_KEY": "a-long-random-production-secret",
    "SHOP_BASE_URL": "https://www.lekkeroostvlaams.be",
    "STRIPE_SECRET_KEY": "sk_live_x",
    "STRIPE_WEBHOOK_SECRET": "whsec_x",
    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://shop@db.internal/shop",
    "REDIS_URL": "redis://cache.internal:6379/0",
    # The limiter is one object for the process: an app made here must not point it at a Redis that is not there.
    "RATELIMIT_STORAGE_URI": "memory://",
}


@pytest.mark.parametrize("missing, variable", [
    ("SECRET_KEY", "SHOP_SECRET_KEY"),
    ("SHOP_BASE_URL", "SHOP_BASE_URL"),
    ("STRIPE_SECRET_KEY", "STRIPE_SECRET_KEY"),
    ("STRIPE_WEBHOOK_SECRET", "STRIPE_WEBHOOK_SECRET"),
    ("SQLALCHEMY_DATABASE_URI", "SHOP_DATABASE_URL"),
    ("REDIS_URL", "SHOP_REDIS_URL"),
])
def test_production_refuses_to_start_without_each_required_setting(missing, variable):
    with pytest.raises(RuntimeError, match=variable):
        create_app({**READY, missing: None})


@pytest.mark.parametrize("key, value, says", [
    ("SQLALCHEMY_DATABASE_URI", "sqlite:////srv/shop.db", "SQLite"),
    ("SHOP_BASE_URL", "http://www.lekkeroostvlaams.be", "https://"),
    ("SECRET_KEY", "dev-only-not-secret", "development key"),
])
def test_production_refuses_a_setting_that_is_present_but_wrong(key, value, says):
    with pytest.raises(RuntimeError, match=says):
        create_app({**READY, key: value})


def test_production_starts_with_its_settings_from_the_environment():
    # The secret key comes from SHOP_SECRET_KEY, as every setting does: it is not taken for the development key.
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SHOP_", "STRIPE_", "FLASK_"))}
    env.update(SHOP_ENV="production", SHOP_SECRET_KEY="a-long-random-production-secret",
               SHOP_BASE_URL="https://www.lekkeroostvlaams.be", STRIPE_SECRET_KEY="sk_live_x",
               STRIPE_WEBHOOK_SECRET="whsec_x", SHOP_DATABASE_URL="postgresql://shop@db.internal/shop",
               SHOP_REDIS_URL="redis://cache.internal:6379/0")
    started = subprocess.run([sys.executable, "-c", "from shop import create_app; print(create_app().config['ENV_NAME'])"],
                             env=env, capture_output=True, text=True, timeout=120)

    assert started.returncode == 0, started.stderr[-2000:]
    assert started.stdout.strip() == "production"


def test_every_problem_is_named_at_once():
    with pytest.raises(RuntimeError) as raised:
        create_app({"ENV_NAME": "production", "SECRET_KEY": None, "SHOP_BASE_URL": None, "STRIPE_SECRET_KEY": None,
                    "STRIPE_WEBHOOK_SECRET": None, "SQLALCHEMY_DATABASE_URI": "", "REDIS_URL": None})
    message = str(raised.value)
    for variable in ("SHOP_SECRET_KEY", "SHOP_BASE_URL", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET",
                     "SHOP_DATABASE_URL", "SHOP_REDIS_URL"):
        assert variable in message


def _echo_app(**overrides):
    app = create_app({**READY, **overrides})

    @app.get("/_echo")
    def echo():
        return f"{request.remote_addr} {request.scheme} {request.host}"

    return app


def test_a_complete_production_configuration_starts_with_hsts_and_only_its_own_host():
    app = _echo_app()
    client = app.test_client()

    response = client.get("/_echo", base_url="https://www.lekkeroostvlaams.be")
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")

    assert client.get("/_echo", base_url="https://evil.example").status_code == 400


def test_without_trusted_proxies_forwarded_headers_are_ignored():
    client = _echo_app().test_client()

    response = client.get("/_echo", base_url="https://www.lekkeroostvlaams.be",
                          headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "http"},
                          environ_base={"REMOTE_ADDR": "10.0.0.2"})

    assert response.text == "10.0.0.2 https www.lekkeroostvlaams.be"


def test_one_trusted_proxy_gives_the_client_address_and_scheme_it_saw():
    client = _echo_app(TRUSTED_PROXIES=1).test_client()

    response = client.get("/_echo", base_url="http://www.lekkeroostvlaams.be",
                          headers={"X-Forwarded-For": "198.51.100.7, 203.0.113.9", "X-Forwarded-Proto": "https"},
                          environ_base={"REMOTE_ADDR": "10.0.0.2"})

    # Only the last hop (the proxy's own view of its client) is believed: a forged first entry is not.
    assert response.text == "203.0.113.9 https www.lekkeroostvlaams.be"


def test_development_sends_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/health").headers


def test_postgresql_gets_connect_statement_and_lock_timeouts():
    options = engine_options({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://x@y/z", "DB_CONNECT_TIMEOUT_SECONDS": 3,
                              "DB_STATEMENT_TIMEOUT_MS": 1500, "DB_LOCK_TIMEOUT_MS": 700, "DB_POOL_TIMEOUT_SECONDS": 4,
                              "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True}})

    assert options["pool_pre_ping"] is True
    assert options["pool_timeout"] == 4
    assert options["connect_args"]["connect_timeout"] == 3
    assert "-c statement_timeout=1500" in options["connect_args"]["options"]
    assert "-c lock_timeout=700" in options["connect_args"]["options"]
    assert "-c jit=off" in options["connect_args"]["options"]


def test_postgresql_pool_is_sized_for_one_request_per_worker():
    options = engine_options({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://x@y/z", "DB_POOL_SIZE": 2,
                              "DB_MAX_OVERFLOW": 3, "DB_POOL_RECYCLE_SECONDS": 1800})

    assert (options["pool_size"], options["max_overflow"], options["pool_recycle"]) == (2, 3, 1800)


def test_a_postgresql_connection_is_tested_before_each_use_unless_told_otherwise():
    url = "postgresql+psycopg://x@y/z"
    assert engine_options({"SQLALCHEMY_DATABASE_URI": url})["pool_pre_ping"] is True
    assert engine_options({"SQLALCHEMY_DATABASE_URI": url,
                           "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False}})["pool_pre_ping"] is False


def test_sqlite_keeps_its_own_options():
    assert engine_options({"SQLALCHEMY_DATABASE_URI": "sqlite:///x.db",
                           "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True}}) == {"pool_pre_ping": True}


@pytest.mark.postgres_only
def test_a_statement_that_hangs_is_cancelled_by_the_timeout():
    url = normalise_database_url(os.environ.get("SHOP_TEST_DATABASE_URL", ""))
    if not url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (SHOP_TEST_DATABASE_URL)")
    engine = create_engine(url, **engine_options({"SQLALCHEMY_DATABASE_URI": url, "DB_STATEMENT_TIMEOUT_MS": 200,
                                                  "DB_LOCK_TIMEOUT_MS": 200}))
    try:
        with engine.connect() as connection, pytest.raises(OperationalError, match="statement timeout"):
            connection.execute(text("SELECT pg_sleep(2)"))
    finally:
        engine.dispose()
