"""Test fixtures. The database comes from SHOP_TEST_DATABASE_URL (a throw-away SQLite file by default)."""

from __future__ import annotations

import os
import tempfile
import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from shop import create_app
from shop.config import normalise_database_url
from shop.extensions import db as _db


@contextmanager
def _test_database(tmp_dir: str):
    """The database for this test run.

    SQLite: a file in a temporary folder. PostgreSQL: a fresh database created next to the one named in
    SHOP_TEST_DATABASE_URL and dropped afterwards, so parallel runs on one server never see each other's rows.
    """
    url = os.environ.get("SHOP_TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_dir}/test.db"
        return
    url = make_url(normalise_database_url(url))
    if url.get_backend_name() != "postgresql":
        yield url.render_as_string(hide_password=False)
        return
    name = f"{url.database}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def app():
    tmp = tempfile.TemporaryDirectory(prefix="shop-test-")
    database = _test_database(tmp.name)
    app = create_app(
        {
            "ENV_NAME": "testing",
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": database.__enter__(),
            "MEDIA_ROOT": os.path.join(tmp.name, "media"),
            "MAIL_DIR": os.path.join(tmp.name, "mail"),
        }
    )
    with app.app_context():
        _db.drop_all()
        with _db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        _db.create_all()
    yield app
    with app.app_context():
        _db.drop_all()
        _db.engine.dispose()
    database.__exit__(None, None, None)
    tmp.cleanup()


def _empty_all_tables() -> None:
    _db.session.rollback()
    with _db.engine.begin() as connection:
        for table in reversed(_db.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def db(app):
    """The database inside an app context; every row is removed after the test."""
    with app.app_context():
        yield _db
        _db.session.remove()
        _empty_all_tables()


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def is_postgres(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
