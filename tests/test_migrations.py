"""The schema is made by Alembic migrations; they must match the models exactly, on SQLite and PostgreSQL, with the
triggers and functions that the application's own schema creation (``create_all`` and its listeners) makes."""

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


def _triggers_and_functions(engine) -> dict[tuple[str, str, str], str]:
    """What the database does by itself, which Alembic does not compare: SQLite's triggers and virtual tables,
    PostgreSQL's triggers and the shop's own functions (not an extension's), each with its SQL, white space
    collapsed. On SQLite a batch_alter_table that recreates a table drops its triggers without a word."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            rows = connection.execute(text(
                "SELECT type, name, tbl_name, sql FROM sqlite_master "
                "WHERE type = 'trigger' OR (type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%')"))
        else:
            rows = connection.execute(text(
                "SELECT 'trigger', tgname, tgrelid::regclass::text, pg_get_triggerdef(oid) FROM pg_trigger "
                "WHERE NOT tgisinternal "
                "UNION ALL "
                "SELECT 'function', p.oid::regprocedure::text, '', pg_get_functiondef(p.oid) FROM pg_proc AS p "
                "JOIN pg_namespace AS n ON n.oid = p.pronamespace WHERE n.nspname = 'public' "
                "AND NOT EXISTS (SELECT 1 FROM pg_depend AS d WHERE d.objid = p.oid AND d.deptype = 'e')"))
        return {(kind, name, table): " ".join(sql.split()) for kind, name, table, sql in rows}


def _created_by_the_application(app) -> dict[tuple[str, str, str], str]:
    """The triggers and functions of a fresh database whose schema ``create_all`` made, as the tests' is."""
    with _scratch_database(app) as url:
        fresh = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": url})
        with fresh.app_context():
            _db.create_all()
            made = _triggers_and_functions(_db.engine)
            _db.engine.dispose()
    return made


# SQLite's reflection skips an index on expressions (ix_products_recommended) with this warning.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_migrations_build_the_schema_of_the_models_with_its_triggers_and_go_back_down(app):
    expected = _created_by_the_application(app)
    assert {"products_words_insert", "products_words_delete", "products_words_update"} <= {
        name for kind, name, table in expected if kind == "trigger" and table == "products"}
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
            migrated = _triggers_and_functions(_db.engine)
            assert sorted(migrated) == sorted(expected)
            assert migrated == expected
            assert set(EXPRESSION_INDEXES) <= _index_names(_db.engine)
            assert "products" in inspect(_db.engine).get_table_names()
            downgrade(revision="base")
            assert inspect(_db.engine).get_table_names() == ["alembic_version"]
            assert _triggers_and_functions(_db.engine) == {}
            _db.engine.dispose()
