"""Every connection to a SQLite file is opened in WAL mode with a busy timeout (shop/core/db.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

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
