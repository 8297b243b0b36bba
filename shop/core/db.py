"""Declarative base, the ``db`` extension built on it, shared column types and the translated-text mixin."""

from __future__ import annotations

import logging
import re
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Annotated, Any

from flask import Flask, has_request_context, request
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import JSON, DateTime, Enum, Integer, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Money is always an integer number of euro cents.
Cents = Annotated[int, "cents"]


# How long a SQLite writer waits for another's write lock before giving up (milliseconds).
SQLITE_BUSY_TIMEOUT_MS = 30_000
# A writer that finds SQLite's write lock taken tries again after this pause (seconds), doubled each time up to the
# cap: it gets the lock within a couple of milliseconds of its release (shop.core.db.take_write_lock).
SQLITE_LOCK_POLL_S = (0.0002, 0.002)
# Each connection's page cache (KiB) and how much of the file it maps into memory (bytes).
SQLITE_CACHE_KIB = 32_768
SQLITE_MMAP_BYTES = 256 * 1024 * 1024


def engine_options(config) -> dict:
    """SQLALCHEMY_ENGINE_OPTIONS with the database timeouts for PostgreSQL: connect (seconds), statement and lock
    waits (milliseconds, per session), a transaction left idle, and the wait for a pooled connection. A hung
    database then fails a request within seconds (answered 503) instead of holding every worker.

    A PostgreSQL connection is tested before each use (``pool_pre_ping``: one round trip as a request takes it from
    the pool), so that one the server closed (a restart, a fail-over) is replaced instead of failing a request. A
    SQLite file's connection cannot be closed by anyone else: its options are left as given (no ping, a ``SELECT 1``
    with every request)."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if not str(config.get("SQLALCHEMY_DATABASE_URI") or "").startswith("postgresql"):
        return options
    options.setdefault("pool_pre_ping", True)
    statement = int(config.get("DB_STATEMENT_TIMEOUT_MS") or 0)
    lock = int(config.get("DB_LOCK_TIMEOUT_MS") or 0)
    # No JIT: the catalogue's statements cost enough to pass its threshold, and compiling them took longer (70-100 ms
    # per statement at 100 times the demo catalogue) than it ever saves on statements of a few hundred ms.
    settings = [f"-c statement_timeout={statement}", f"-c lock_timeout={lock}",
                f"-c idle_in_transaction_session_timeout={max(statement * 4, 60000) if statement else 0}", "-c jit=off"]
    connect_args = dict(options.get("connect_args") or {})
    connect_args.setdefault("connect_timeout", int(config.get("DB_CONNECT_TIMEOUT_SECONDS") or 5))
    connect_args["options"] = " ".join([connect_args.get("options", ""), *settings]).strip()
    options["connect_args"] = connect_args
    options.setdefault("pool_timeout", int(config.get("DB_POOL_TIMEOUT_SECONDS") or 10))
    options.setdefault("pool_size", int(config.get("DB_POOL_SIZE") or 2))
    options.setdefault("max_overflow", int(config.get("DB_MAX_OVERFLOW", 3)))
    options.setdefault("pool_recycle", int(config.get("DB_POOL_RECYCLE_SECONDS") or 1800))
    return options


def configure_sqlite(engine: Engine) -> None:
    """Every new connection to a SQLite file: write-ahead log, a busy timeout, and synchronous=NORMAL.

    WAL lets readers go on while one writer commits (the default rollback journal makes every reader wait for
    the writer), the busy timeout makes a second writer wait for the lock instead of failing with "database is
    locked", and NORMAL is the durable setting for WAL (a power cut can lose the last commits, never corrupt).
    In-memory databases have no journal file; they keep their mode. For reading the catalogue: a page cache of
    about 32 MB per connection (SQLite's default is 2 MB, less than a large catalogue's tables and indexes),
    temporary sorts in memory, and the file read through memory mapping (up to 256 MB) instead of copies. A
    transaction's first write takes the write lock without the busy timeout's long sleeps (``take_write_lock``).
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
            cursor.execute("PRAGMA temp_store = MEMORY")
            if engine.url.database not in (None, "", ":memory:"):
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")
                cursor.execute(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")
        finally:
            cursor.close()

    @event.listens_for(engine, "before_cursor_execute")
    def _first_write(conn, cursor, statement, parameters, context, executemany) -> None:
        connection = cursor.connection
        # Only where pysqlite would begin the transaction itself (not in autocommit, isolation_level None).
        if not connection.in_transaction and connection.isolation_level is not None and _WRITE.match(statement):
            take_write_lock(connection)


# A statement that writes (pysqlite begins a transaction before it; SELECTs before it run outside one).
_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


def take_write_lock(dbapi_connection: sqlite3.Connection) -> None:
    """Begin the transaction of a connection's first write with SQLite's write lock (``BEGIN IMMEDIATE``), trying
    again every few tenths of a millisecond to 2 ms while another connection holds it, for at most the busy timeout.

    Why not SQLite's busy timeout alone: its handler sleeps 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 ms
    between tries, so a writer that finds the lock taken for 20 ms got it after 35 ms, for 60 ms after 82 ms
    (measured here): every placed order and paid webhook that met another writer waited up to tens of
    milliseconds after the lock was free, which made the tail of their latency. Raises sqlite3's
    OperationalError "database is locked" after SQLITE_BUSY_TIMEOUT_MS, as the busy timeout does."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    pause, cap = SQLITE_LOCK_POLL_S
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA busy_timeout = 0")
        while True:
            try:
                cursor.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if getattr(error, "sqlite_errorcode", 0) & 0xFF != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, cap)
    finally:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={
            Cents: Integer, datetime: DateTime(timezone=True), dict[str, Any]: JSON, list[Any]: JSON,
        },
    )


log = logging.getLogger(__name__)

_AFTER_COMMIT = "shop.after_commit"
# In a web request, the steps of its committed transactions wait here (in the WSGI environ, which outlives the
# request's session) until its response has been sent (run_after_response).
_AFTER_RESPONSE = "shop.after_response"


class Session(FlaskSession):
    """The session of every request, command and job: after a commit it runs the steps that the committed
    transaction queued with ``after_commit``, each in a transaction of its own that it commits; in a web request,
    once the response has been sent (``defer_to_response``).

    Why: slow work that follows a change (drawing a mail, validating an e-invoice) must not run inside the
    transaction that made the change, where it would hold that transaction's row locks (an invoice number's
    counter row, the stock of a product) while it works. The change records what is to be done (an outbox
    message still to render, an e-invoice still to check) and commits; the step does it right after. A step
    that fails is logged and rolled back, and what it left undone is done by its worker (the outbox worker
    renders a message still unrendered, the e-invoice sending run validates before it sends). Nor need the one
    who waits for the answer (a buyer, Stripe waiting on its webhook) wait for that work: in a request it runs
    after the response went out.
    """

    def commit(self) -> None:
        super().commit()
        waiting = _waiting_for_response()
        if waiting is not None:
            waiting.extend(self.info.pop(_AFTER_COMMIT, None) or ())
            return
        self._run_after_commit()

    def _run_after_commit(self) -> None:
        while steps := self.info.pop(_AFTER_COMMIT, None):
            for step in steps:
                try:
                    step()
                    super().commit()
                except Exception:  # noqa: BLE001 - the change is committed; its worker finishes the step
                    log.exception("a step after the commit failed; its worker will do it")
                    self.rollback()

    def rollback(self) -> None:
        self.info.pop(_AFTER_COMMIT, None)  # the change they follow is undone
        super().rollback()

    def close(self) -> None:
        self.info.pop(_AFTER_COMMIT, None)
        super().close()


def _waiting_for_response() -> list | None:
    """The steps waiting for the current request's response, or None outside a request dispatched by the app
    (a command, a job, a test's own request context): there they run right after the commit."""
    if not has_request_context():
        return None
    return request.environ.get(_AFTER_RESPONSE)


def defer_to_response(app: Flask) -> None:
    """In each request the app dispatches, run the steps after the commit (``after_commit``) once the response
    has been sent: the WSGI server closes the response after writing it (werkzeug's ``call_on_close``), and the
    steps run then, in an app context of their own, each committed. The request's answer does not wait for them
    (measured: drawing the order confirmation was 11 of the webhook's 26 ms in process). Should the process stop
    before they run, their workers do what they leave (as for a step that fails)."""

    @app.before_request
    def _collect() -> None:
        request.environ[_AFTER_RESPONSE] = []

    @app.after_request
    def _run_once_sent(response):
        steps = request.environ.get(_AFTER_RESPONSE)
        if steps:
            request.environ[_AFTER_RESPONSE] = None  # a later commit of this request runs its own steps at once
            response.call_on_close(partial(run_after_response, app, steps))
        return response


def run_after_response(app: Flask, steps: list[Callable[[], None]]) -> None:
    """Run ``steps`` (queued by a request's committed transactions) in an app context, each committed."""
    with app.app_context():
        session = db.session()
        session.info.setdefault(_AFTER_COMMIT, []).extend(steps)
        try:
            session._run_after_commit()
        finally:
            db.session.remove()


def after_commit(step: Callable[[], None]) -> None:
    """Run ``step`` once the current transaction of ``db.session`` has committed, in a transaction of its own
    (committed after it); forgotten when the transaction rolls back. The step loads what it needs by id."""
    db.session.info.setdefault(_AFTER_COMMIT, []).append(step)


# The Flask-SQLAlchemy extension, unbound (create_app binds it); every module reaches it as shop.extensions.db,
# the core as shop.core.db.db, so that the core never imports shop.extensions.
db = SQLAlchemy(model_class=Base, session_options={"class_": Session})


def add_unless_taken(row) -> bool:
    """Store the new ``row`` in a savepoint of the current transaction: True, or False when a unique index refused
    it because another transaction stored the same key since this one looked (two submits at once, two runs of a
    job). Only the savepoint is undone then; the caller goes on with the row the other one stored."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return False
    return True


class Translated:
    """Catalogue texts in Dutch plus optional translations.

    ``translations`` holds ``{"fr": {"name": "..."}, "en": {...}}``; a missing entry falls back to the
    Dutch column of the same name.
    """

    translations: Mapped[dict[str, Any]] = mapped_column(default=dict)

    def t(self, field: str, locale: str | None) -> str:
        dutch = getattr(self, field) or ""
        if not locale or locale == "nl":
            return dutch
        return (self.translations or {}).get(locale, {}).get(field) or dutch


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def str_enum(enum_cls, length: int = 30) -> Enum:
    """Store a StrEnum by its value as a plain string column (portable, migration-friendly)."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        values_callable=lambda members: [m.value for m in members],
        length=length,
        validate_strings=True,
    )
