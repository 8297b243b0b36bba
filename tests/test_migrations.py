"""The schema is made by Alembic migrations; they must match the models exactly, on SQLite and PostgreSQL."""

import os
import tempfile
import uuid
from contextlib import contextmanager

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from shop import create_app
from shop.catalog.models import EXPRESSION_INDEXES
from shop.catalog.search_index import is_search_index
from shop.extensions import db as _db


@contextmanager
def _scratch_database(app):
    """A fresh empty database of the same kind as the test database."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "postgresql":
        name = f"shop_migrations_{uuid.uuid4().hex[:8]}"
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    else:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{os.path.join(tmp, 'migrations.db')}"


def _declared(name, type_, parent_names) -> bool:
    """What Alembic compares: the search index is made by statements of its own, an index on expressions is
    written by hand in its migration (shop.catalog.models.EXPRESSION_INDEXES)."""
    return not (type_ in ("table", "index") and (is_search_index(name) or name in EXPRESSION_INDEXES))


def _index_names(engine) -> set[str]:
    """Every index's name, also of the indexes on expressions that SQLite's reflection skips."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            return set(connection.scalars(text("SELECT name FROM sqlite_master WHERE type = 'index'")))
        return set(connection.scalars(text("SELECT indexname FROM pg_indexes")))


# SQLite's reflection skips an index on expressions (ix_products_recommended) with this warning.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_migrations_build_the_schema_of_the_models_and_go_back_down(app):
    with _scratch_database(app) as url:
        scratch = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": url})
        with scratch.app_context():
            upgrade()
            with _db.engine.connect() as connection:
                context = MigrationContext.configure(connection, opts={
                    "include_name": _declared,
                    "include_object": lambda _object, name, type_, *_args: _declared(name, type_, {}),
                })
                differences = compare_metadata(context, _db.metadata)
            assert differences == []
            assert set(EXPRESSION_INDEXES) <= _index_names(_db.engine)
            assert "products" in inspect(_db.engine).get_table_names()
            downgrade(revision="base")
            assert inspect(_db.engine).get_table_names() == ["alembic_version"]
            _db.engine.dispose()
