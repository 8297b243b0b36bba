"""Test fixtures. The database comes from SHOP_TEST_DATABASE_URL (a throw-away SQLite file by default)."""

from __future__ import annotations

import os
import tempfile

import pytest
from sqlalchemy import text

from shop import create_app
from shop.config import normalise_database_url
from shop.extensions import db as _db


def _test_database_url(tmp_dir: str) -> str:
    url = os.environ.get("SHOP_TEST_DATABASE_URL")
    return normalise_database_url(url) if url else f"sqlite:///{tmp_dir}/test.db"


@pytest.fixture(scope="session")
def app():
    tmp = tempfile.TemporaryDirectory(prefix="shop-test-")
    app = create_app(
        {
            "ENV_NAME": "testing",
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": _test_database_url(tmp.name),
            "MEDIA_ROOT": os.path.join(tmp.name, "media"),
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
