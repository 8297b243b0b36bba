"""Helpers shared by the tests: emptying the database, reading every row, counting the SQL statements a block runs,
making the database fail, racing threads on one database, posting a Stripe event."""

from __future__ import annotations

import ast
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from shop.extensions import db


def empty_all_tables() -> None:
    """Remove every row (children first); the tables stay."""
    db.session.rollback()
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


def table_rows() -> dict[str, list[tuple]]:
    """Every row of every table, read on a fresh connection (not the session's cache): compare two of them to
    see that a request changed nothing."""
    rows = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            rows[table.name] = [tuple(row) for row in connection.execute(table.select().order_by(*order))]
    return rows


@contextmanager
def count_queries(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements run on ``engine`` inside the block, in order (the list fills while the block runs)."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@contextmanager
def failing_database(engine: Engine, *, unreachable: bool = False, statement: str = "") -> Iterator[None]:
    """The database in trouble while the block runs, as the driver reports it (SQLAlchemy wraps the errors).

    ``unreachable``: every statement fails with the driver's OperationalError, as when the server is down or the
    connection was lost. Otherwise the first statement whose SQL contains ``statement`` fails with a DataError
    (a value the database refuses), and every statement after it with an InternalError until the transaction is
    rolled back: what PostgreSQL does ("current transaction is aborted"), and SQLite does not.
    """
    dbapi = engine.dialect.loaded_dbapi
    state = {"failed": False}

    def fail(conn, cursor, sql, parameters, context, executemany):
        if unreachable:
            raise dbapi.OperationalError("server closed the connection unexpectedly (test)")
        if state["failed"]:
            raise dbapi.InternalError("current transaction is aborted, commands ignored until end of transaction "
                                      "block (test)")
        if statement in sql:
            state["failed"] = True
            raise dbapi.DataError("invalid byte sequence (test)")

    def rolled_back(conn):
        state["failed"] = False

    event.listen(engine, "before_cursor_execute", fail)
    event.listen(engine, "rollback", rolled_back)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", fail)
        event.remove(engine, "rollback", rolled_back)


def race(
    app: Flask,
    actions: Sequence[Callable[[], str]],
    *,
    outcomes: Mapping[type[Exception], str] | None = None,
) -> list[str]:
    """Run each action in its own thread, app context and session, all released together; returns the outcomes.

    An action returns its outcome and is then committed. If it raises, its session is rolled back and the
    outcome is the name ``outcomes`` gives the exception's type (the most specific listed class wins), or
    ``f"error: {error!r}"`` for anything not listed. The outcomes come in the order the threads finish.
    """
    names = dict(outcomes or {})
    barrier = threading.Barrier(len(actions))
    results: list[str] = []
    lock = threading.Lock()

    def run(action: Callable[[], str]) -> None:
        with app.app_context():
            outcome = "error"
            try:
                # Touch the database only after the barrier: a thread waiting there must not hold one of the
                # pool's connections (15 by default), or the last threads could never get one.
                barrier.wait(timeout=30)
                outcome = action()
                db.session.commit()
            except Exception as error:  # noqa: BLE001 (reported in the outcome)
                db.session.rollback()
                outcome = next(
                    (names[cls] for cls in type(error).__mro__ if cls in names), f"error: {error!r}"
                )
            finally:
                db.session.remove()
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def send_stripe_event(client, fake, type_: str, obj, **kwargs):
    """A signed Stripe event of ``type_`` about ``obj``, made by the fake and posted to the webhook:
    (event, response)."""
    event = fake.event(type_, obj, **kwargs)
    return event, fake.post_event(client, event)


@dataclass(frozen=True)
class CodeText:
    """One thing a module's code says: an imported module (``kind`` "module"), a name (imported or used, a
    definition, an argument or keyword), an attribute, or a string that is not a docstring."""

    line: int
    kind: str  # module | name | attribute | string
    text: str


def code_texts(source: str) -> list[CodeText]:
    """What the code of a module says, without its comments and docstrings: for the tests that check a lower
    package never reaches into a higher one (import-linter does not see a relationship named by a string)."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value) for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
        and isinstance(node.body[0].value.value, str)
    }
    found: list[CodeText] = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Import):
            found += [CodeText(line, "module", alias.name) for alias in node.names]
            found += [CodeText(line, "name", alias.asname) for alias in node.names if alias.asname]
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            found.append(CodeText(line, "module", module))
            found += [CodeText(line, "module", f"{module}.{alias.name}") for alias in node.names]
            found += [CodeText(line, "name", alias.asname or alias.name) for alias in node.names]
        elif isinstance(node, ast.Name):
            found.append(CodeText(line, "name", node.id))
        elif isinstance(node, ast.Attribute):
            found.append(CodeText(line, "attribute", node.attr))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.append(CodeText(line, "name", node.name))
        elif isinstance(node, ast.arg):
            found.append(CodeText(line, "name", node.arg))
        elif isinstance(node, ast.keyword) and node.arg:
            found.append(CodeText(line, "name", node.arg))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            found.append(CodeText(line, "string", node.value))
    return found
