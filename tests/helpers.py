"""Helpers shared by the tests: emptying the database, reading every row, counting the SQL statements a block runs,
making the database fail, racing threads on one database, another request landing between a check and its write,
posting a Stripe event."""

from __future__ import annotations

import ast
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask, g
from sqlalchemy import event
from sqlalchemy.engine import Engine

from shop.core import login_state
from shop.core.page_cache import catalogue_changed
from shop.extensions import db


def next_request_is_new(*cached: str) -> None:
    """The test's requests share one app context, so ``g`` outlives a request here (never in production, where every
    request has its own): forget the user Flask-Login loaded in the previous request, and the names in ``cached``
    (what the shop kept in ``g`` for that request: its cart, its CSRF token ...)."""
    for name in (login_state.ATTRIBUTE, *cached):
        g.pop(name, None)


def empty_all_tables() -> None:
    """Remove every row (children first); the tables stay."""
    db.session.rollback()
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())
    catalogue_changed("every table emptied")  # written outside the session: say so


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


def meanwhile(monkeypatch, owner, name: str, other_request: Callable[..., object], *, times: int = 1) -> list:
    """Another request lands between a request's check and its write: ``owner.name`` (a look-up the code under
    test makes before it writes) is replaced by one that returns what the real one returns, but after each of its
    first ``times`` calls runs ``other_request(result, *args, **kwargs)`` and commits it, as a request done in
    between would have. Returns the list of the real results, one per call, for the test to read."""
    real = getattr(owner, name)
    results: list = []

    def looked_up_then_the_other_request(*args, **kwargs):
        result = real(*args, **kwargs)
        results.append(result)
        if len(results) <= times:
            other_request(result, *args, **kwargs)
            db.session.commit()  # the other request's, done
        return result

    monkeypatch.setattr(owner, name, looked_up_then_the_other_request)
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


# --- the text of the shop's own PDFs ----------------------------------------------------------------------------

_PDF_OBJECT = re.compile(rb"(\d+) 0 obj\s*<<(.*?)>>\s*(stream\r?\n)?", re.S)
_PDF_STRING = rb"\(((?:\\.|[^\\)])*)\)"
# A font (Tf), a position (Td), a string shown (Tj) or an array of strings and spacings shown (TJ).
_PDF_TEXT_OP = re.compile(rb"/(\w+)\s+[\d.]+\s+Tf|([-\d.]+)\s+([-\d.]+)\s+Td|" + _PDF_STRING + rb"\s*Tj|"
                          rb"\[((?:\s*(?:" + _PDF_STRING + rb"|[-\d.]+))*)\s*\]\s*TJ", re.S)
_PDF_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _pdf_objects(data: bytes) -> dict[int, tuple[bytes, bytes]]:
    """Object number -> (its dictionary, its stream or b"") of an uncompressed PDF."""
    objects: dict[int, tuple[bytes, bytes]] = {}
    for match in _PDF_OBJECT.finditer(data):
        stream = b""
        if match.group(3):
            length = int(re.search(rb"/Length (\d+)", match.group(2)).group(1))
            stream = data[match.end():match.end() + length]
        objects[int(match.group(1))] = (match.group(2), stream)
    return objects


def _pdf_unescape(literal: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(literal):
        char = literal[i:i + 1]
        if char != b"\\":
            out += char
            i += 1
            continue
        following = literal[i + 1:i + 2]
        octal = re.match(rb"[0-7]{1,3}", literal[i + 1:i + 4])
        if octal:
            out.append(int(octal.group(0), 8) & 0xFF)
            i += 1 + len(octal.group(0))
        else:
            out += _PDF_ESCAPES.get(following, following)
            i += 2
    return bytes(out)


def _pdf_to_unicode(cmap: bytes) -> dict[int, str]:
    mapping: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, text in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            mapping[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high, start in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            for offset in range(int(high, 16) - int(low, 16) + 1):
                mapping[int(low, 16) + offset] = chr(int(start, 16) + offset)
    return mapping


def pdf_rows(data: bytes) -> list[list[str]]:
    """The visible text of a PDF the shop drew with fpdf2 (uncompressed: ``compress=False``), as rows of cells:
    page by page, top to bottom, each row the texts written on one baseline from left to right.

    Reads only what fpdf2 writes (``Td`` then ``Tj``, or ``TJ`` for a justified line, per cell; Type0 fonts with
    a ToUnicode map), so the tests can
    compare the figures a document prints with its data without a PDF library."""
    objects = _pdf_objects(data)
    fonts: dict[bytes, dict[int, str]] = {}
    for name, number in re.findall(rb"/(F\d+) (\d+) 0 R", b"".join(head for head, _ in objects.values())):
        head = objects[int(number)][0]
        to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", head)
        fonts[name] = _pdf_to_unicode(objects[int(to_unicode.group(1))][1]) if to_unicode else {}
    pages_root = next(head for head, _ in objects.values() if b"/Type /Pages" in head)
    rows: list[list[str]] = []
    for page in re.findall(rb"(\d+) 0 R", re.search(rb"/Kids \[(.*?)\]", pages_root, re.S).group(1)):
        content = objects[int(re.search(rb"/Contents (\d+) 0 R", objects[int(page)][0]).group(1))][1]
        font: dict[int, str] = {}
        position = (0.0, 0.0)
        cells: dict[float, list[tuple[float, str]]] = {}
        for match in _PDF_TEXT_OP.finditer(content):
            if match.group(1):
                font = fonts.get(match.group(1), {})
            elif match.group(2):
                position = (float(match.group(2)), float(match.group(3)))
            else:
                strings = [match.group(4)] if match.group(4) is not None else re.findall(_PDF_STRING, match.group(5))
                raw = b"".join(_pdf_unescape(string) for string in strings)
                text = "".join(font.get(int.from_bytes(raw[i:i + 2], "big"), "?") for i in range(0, len(raw), 2))
                cells.setdefault(round(position[1], 1), []).append((position[0], text.strip()))
        for _y, texts in sorted(cells.items(), key=lambda item: -item[0]):
            rows.append([text for _x, text in sorted(texts) if text])
    return [row for row in rows if row]


def pdf_page_count(data: bytes) -> int:
    """How many pages a PDF the shop drew with fpdf2 has (its page objects are never compressed)."""
    return len(re.findall(rb"/Type /Page\b(?!s)", data))
