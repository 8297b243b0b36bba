"""Every connection to a SQLite file is opened in WAL mode with a busy timeout, and a transaction's first write waits
for the write lock and gets it once it is free (shop/core/db.py)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from shop.core import db as database
from shop.core.db import SQLITE_BUSY_TIMEOUT_MS, SQLITE_CACHE_KIB, SQLITE_MMAP_BYTES, configure_sqlite


def test_a_sqlite_file_gets_wal_a_busy_timeout_and_normal_sync(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'shop.db'}")
    configure_sqlite(engine)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == SQLITE_BUSY_TIMEOUT_MS
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
    engine.dispose()


def test_a_sqlite_file_reads_through_a_larger_cache_in_memory(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'shop.db'}")
    configure_sqlite(engine)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA cache_size")).scalar() == -SQLITE_CACHE_KIB
        assert connection.execute(text("PRAGMA temp_store")).scalar() == 2  # MEMORY
        assert connection.execute(text("PRAGMA mmap_size")).scalar() == SQLITE_MMAP_BYTES
    engine.dispose()


def test_an_in_memory_database_keeps_its_journal_but_waits_for_locks():
    engine = create_engine("sqlite://")
    configure_sqlite(engine)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "memory"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == SQLITE_BUSY_TIMEOUT_MS
    engine.dispose()


def test_the_shops_own_engine_is_configured(app, db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite settings; the PostgreSQL pass has none to check")
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == SQLITE_BUSY_TIMEOUT_MS


def test_a_connection_taken_from_the_pool_sends_sqlite_nothing_before_the_requests_statements(app, db):
    # A SQLite file's connection cannot be closed by a server, so it is not tested with a SELECT 1 each time a
    # request takes it from the pool (PostgreSQL's are: tests/core/test_production.py).
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's pool; the PostgreSQL pass pings")
    db.session.remove()
    db.engine.dispose()  # one connection in the pool: the one traced below
    sent: list[str] = []
    with db.engine.connect() as connection:
        connection.connection.driver_connection.set_trace_callback(sent.append)
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 2"))
    finally:
        with db.engine.connect() as connection:
            connection.connection.driver_connection.set_trace_callback(None)
    assert sent == ["SELECT 2"]


def _engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'shop.db'}")
    configure_sqlite(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (body TEXT)"))
    return engine


def test_a_write_waits_for_another_writer_and_is_stored_once_it_is_done(tmp_path):
    engine = _engine(tmp_path)
    holder, waiter = engine.connect(), engine.connect()
    holder.execute(text("INSERT INTO notes VALUES ('first')"))  # holds the write lock until it commits
    released = threading.Timer(0.05, holder.commit)
    released.start()

    waiter.execute(text("INSERT INTO notes VALUES ('second')"))  # waits, then writes
    waiter.commit()

    released.join()
    assert waiter.execute(text("SELECT body FROM notes ORDER BY rowid")).scalars().all() == ["first", "second"]
    assert waiter.execute(text("PRAGMA busy_timeout")).scalar() == SQLITE_BUSY_TIMEOUT_MS
    holder.close(), waiter.close()
    engine.dispose()


def test_a_write_gives_up_after_the_busy_timeout_and_leaves_nothing_behind(tmp_path, monkeypatch):
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", 30)
    engine = _engine(tmp_path)
    holder, waiter = engine.connect(), engine.connect()
    holder.execute(text("INSERT INTO notes VALUES ('first')"))

    with pytest.raises(OperationalError, match="database is locked"):
        waiter.execute(text("INSERT INTO notes VALUES ('second')"))
    waiter.rollback()
    holder.commit()
    waiter.execute(text("INSERT INTO notes VALUES ('third')"))  # the lock is free: the same connection writes
    waiter.commit()

    assert waiter.execute(text("SELECT body FROM notes ORDER BY rowid")).scalars().all() == ["first", "third"]
    assert waiter.execute(text("PRAGMA busy_timeout")).scalar() == 30
    holder.close(), waiter.close()
    engine.dispose()


def test_reads_before_the_first_write_see_what_others_wrote_meanwhile(tmp_path):
    # The first write begins the transaction (BEGIN IMMEDIATE): what was read before it came from no older snapshot.
    engine = _engine(tmp_path)
    first, second = engine.connect(), engine.connect()
    assert first.execute(text("SELECT count(*) FROM notes")).scalar() == 0
    second.execute(text("INSERT INTO notes VALUES ('other')"))
    second.commit()

    first.execute(text("INSERT INTO notes VALUES ('mine')"))
    assert first.execute(text("SELECT count(*) FROM notes")).scalar() == 2
    first.commit()
    first.close(), second.close()
    engine.dispose()
