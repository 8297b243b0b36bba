"""The anonymous catalogue pages served from a cache, and ``catalogue_changed()``: the one seam that makes every
change of what those pages show invalidate them.

What is cached: a view marked ``@shared_page`` (home, products, product, packages, package, producers, producer),
for a GET or HEAD by an anonymous visitor with no flashed message: the response's bytes as every anonymous visitor
in that language sees them. The key is the language, the shop's day (and whether the order cut-off has passed),
the settings, the deployed code and templates, the host and the path with its query string, and the catalogue's
*generation*.

Per-visitor parts never enter a copy: while a page is rendered for the cache, ``csrf_token()`` and every fragment
registered with ``per_visitor`` (the header's cart count) render as placeholders, and each response, a hit or the
filling one, gets this visitor's values joined in at those places (the copy is split there once). A page whose rendering set a cookie, touched
the session, made a real CSRF token, or was flagged personal is never stored. Signed-in visitors (company prices,
their menu) and visitors with a flashed message always get a fresh rendering.

Invalidation is exact: every writer of what a catalogue page shows calls ``catalogue_changed()`` inside its
transaction (and the ORM changes of the catalogue's tables call it by themselves, see ``watch_tables``); after
COMMIT the generation changes, so no copy made before is served again (after a rollback too, which is harmless).
The generation lives where every web instance reads it:

- with ``SHOP_REDIS_URL``: a Redis key holding a random token (a restarted, emptied Redis gets a new token, never
  an old one back), held in each process while Redis's key tracking says it is unchanged: no round trip per
  request, see ``RedisGeneration`` for why that stays exact. Copies are kept in each process (LRU) and in Redis for the other
  instances. Redis unreachable: pages are rendered as without a cache (for a few seconds no new attempt), and a
  change made meanwhile is announced as soon as Redis answers again.
- without Redis (one machine): a small file in the instance folder whose content is the token, rewritten
  atomically on each change; every worker reads it per request (a few microseconds, where a table in the database
  would cost a query on every hit). Copies are kept in each process (LRU). Web instances on several machines
  need Redis, which production requires anyway.

A hit is served in front of Flask when it can be (``FastHits``, a WSGI layer around ``app.wsgi_app``): the same
key (``PageCache.key_for``: one rule for both), the same anonymity checks, the per-visitor parts rendered by fast
renderers the domains register with ``per_visitor(..., fast=...)``, the headers Flask sent for a hit of the same
copy replayed, a new visitor's session cookie written as Flask's session interface writes it, and the request's
log line. Whatever it is not sure of (a signed-in visitor, a message, a remember cookie, a part it cannot render,
a copy Flask has not yet served once in that form) goes to Flask, whose own hit (``serve_from_cache``) stays.

``SHOP_PAGE_CACHE=0`` turns serving from the cache off (the generation is still kept, so instances with the cache
on stay exact).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import struct
import threading
import time
import uuid
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable
from functools import wraps
from pathlib import Path

from flask import Flask, Response, current_app, g, has_app_context, request, session
from flask_wtf.csrf import generate_csrf as flask_wtf_generate_csrf
from itsdangerous import BadSignature
from markupsafe import Markup
from sqlalchemy import Table, event
from sqlalchemy.orm import Session
from werkzeug.datastructures import Accept, LanguageAccept
from werkzeug.exceptions import SecurityError
from werkzeug.http import dump_cookie, parse_accept_header, parse_cookie
from werkzeug.wsgi import get_host

from shop.core.clock import shop_now
from shop.core.compression import LEVEL as COMPRESS_LEVEL
from shop.core.compression import MIN_SIZE as COMPRESS_MIN_SIZE
from shop.core.compression import accepts_gzip
from shop.core.db import db
from shop.core.i18n import choose_locale, select_locale
from shop.core.login_state import treat_as_visitor
from shop.core.observability import log as request_log
from shop.core.observability import log_request_line, request_id_for
from shop.core.security import is_personal_response
from shop.core.settings import ShopSettings, settings_from
from shop.core.signed_values import ShortPayloadSerializer

log = logging.getLogger(__name__)

PENDING = "catalogue_changed"
HEADER = "X-Page-Cache"
VARY = ("Accept-Language", "Cookie")
REDIS_RETRY_SECONDS = 5.0
REDIS_RECHECK_SECONDS = 1.0


# --- the seam --------------------------------------------------------------------------------------------------

def catalogue_changed(*what: str) -> None:
    """Something a catalogue page shows changed (``what`` names it, for the log: "price", "stock", ...).

    Inside a transaction the cached pages are invalidated right after it ends, committed (never before: a page
    rendered in between would keep the old figure) or rolled back (harmless). Outside a transaction (a CLI step that
    wrote with a connection of its own, after it committed) at once. Call it from the writer, in the same
    transaction; never fails the writer."""
    session = db.session()
    if session.in_transaction():
        session.info.setdefault(PENDING, set()).update(what or ("catalogue",))
    else:
        _announce(set(what or ("catalogue",)))


# Called with the new generation's token, what changed and the session whose transaction ended (None outside one),
# just before the generation is replaced: the products list's facet index logs there which products' stock changed,
# so that the other processes refresh those only (shop.catalog.facet_index). A hook never fails the writer.
_BEFORE_BUMP: list[Callable[[str, set[str], Session | None], None]] = []


def before_generation_bump(hook: Callable[[str, set[str], Session | None], None]):
    """Register ``hook(token, what, session)``, called before each change of the catalogue's generation."""
    _BEFORE_BUMP.append(hook)
    return hook


def _announce(what: set[str], session: Session | None = None) -> None:
    if not has_app_context():
        return
    cache = current_app.extensions.get("page_cache")
    if cache is not None:
        token = uuid.uuid4().hex
        for hook in _BEFORE_BUMP:
            try:
                hook(token, what, session)
            except Exception:  # noqa: BLE001 - never fails the writer; a reader that misses a note rebuilds
                log.exception("page cache: a hook before the generation's change failed")
        cache.generation.bump(token)
        log.debug("catalogue changed: %s", ", ".join(sorted(what)))


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction) -> None:
    # The outermost transaction ended: committed (the change is there for every reader now), or rolled back or
    # closed (invalidating then too costs one rendering of each page, and never misses a change written beside the
    # session, by a connection of its own, while the session kept a transaction open).
    if transaction.parent is None:
        pending = session.info.pop(PENDING, None)
        if pending:
            _announce(pending, session)


# The tables whose rows a catalogue page shows (registered by the domains that own them, through watch_tables):
# any ORM flush that adds, changes or deletes one of their rows, and any INSERT/UPDATE/DELETE statement run on
# the session against one of them, calls catalogue_changed by itself. Writers outside a session (a connection of
# their own) call catalogue_changed themselves.
#
# A writer that knows better which of its changes a page shows (the stock writers: a sale from 40 to 39 units
# changes nothing a page says, a sale to 5 or to 0 does) marks its statement with ``JUDGED`` (an execution option)
# and its new objects with ``judged()``; those are not watched, and the writer calls catalogue_changed itself
# whenever what a page shows changes.
_WATCHED: set[str] = set()
JUDGED = {"page_cache_judged": True}
_JUDGED_ATTRIBUTE = "_page_cache_judged"


def judged(obj):
    """``obj`` (a new ORM object of a watched table) is left to its writer's own catalogue_changed call, as long as
    it is not deleted."""
    setattr(obj, _JUDGED_ATTRIBUTE, True)
    return obj


def watch_tables(*tables: Table | str) -> None:
    """Register tables whose rows catalogue pages show."""
    _WATCHED.update(table if isinstance(table, str) else table.name for table in tables)


def _table_names_of(obj) -> Iterable[str]:
    mapper = getattr(obj, "__mapper__", None)
    if mapper is None:
        return ()
    return (table.name for table in mapper.tables)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context, _instances) -> None:
    if not _WATCHED:
        return
    changed = set()
    for obj in (*session.new, *session.deleted, *session.dirty):
        if getattr(obj, _JUDGED_ATTRIBUTE, False) and obj not in session.deleted:
            continue
        changed.update(name for name in _table_names_of(obj) if name in _WATCHED)
    if changed:
        session.info.setdefault(PENDING, set()).update(changed)


@event.listens_for(Session, "do_orm_execute")
def _on_statement(state) -> None:
    if not _WATCHED or not (state.is_insert or state.is_update or state.is_delete):
        return
    if state.execution_options.get("page_cache_judged"):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name in _WATCHED:
        state.session.info.setdefault(PENDING, set()).add(name)


# --- the generation --------------------------------------------------------------------------------------------

class FileGeneration:
    """The generation in a small file (one machine, no Redis): its content, rewritten atomically on each change."""

    def __init__(self, path: str):
        self.path = path

    def read(self) -> str | None:
        try:
            with open(self.path, "rb") as file:
                return file.read().decode("ascii", "replace") or "0"
        except FileNotFoundError:
            return "0"
        except OSError:
            return None

    def bump(self, token: str | None = None) -> None:
        token = token or uuid.uuid4().hex
        temporary = f"{self.path}.{os.getpid()}.{token[:8]}"
        try:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            with open(temporary, "w", encoding="ascii") as file:
                file.write(token)
            os.replace(temporary, self.path)
        except OSError:
            log.exception("the catalogue's generation file %s could not be written", self.path)

    def close(self) -> None:
        """Nothing held open between reads."""


class _NoTracking(Exception):
    """The Redis does not offer key tracking, or redis-py's connection not what ``RedisGeneration`` reads."""


def tracking_internals_problems(connection) -> list[str]:
    """What ``RedisGeneration`` reads of a connected redis-py connection (private: redis-py has no public way to
    poll a connection's socket, to know whether its parser holds unread replies, or to set the handler of its
    pushes) and it does not have: empty when all is there."""
    from importlib.metadata import version

    parser = getattr(connection, "_parser", None)
    needed = {
        "Connection._sock.fileno()": getattr(getattr(connection, "_sock", None), "fileno", None),
        "Connection._parser.set_invalidation_push_handler()": getattr(parser, "set_invalidation_push_handler", None),
        "Connection._parser._buffer.unread_bytes()": getattr(getattr(parser, "_buffer", None), "unread_bytes", None),
    }
    return [f"redis-py {version('redis')} ({type(parser).__name__}) has no {name}"
            for name, found in needed.items() if not callable(found)]


class RedisGeneration:
    """The generation in Redis: a random token, replaced on each change. Redis unreachable: ``read`` answers None
    (no cache for now, and no new attempt for a few seconds) and a change is remembered and announced at the next
    read that reaches Redis.

    Reading it costs no round trip while it is unchanged: each process holds the token it last read on a connection
    of its own with Redis's key tracking on (RESP3 ``CLIENT TRACKING ON``, server-assisted client-side caching;
    redis-py's own needs Redis 7.4), and Redis pushes an invalidation on that connection when the key is written,
    deleted, expired or evicted, or the database flushed. Every read first polls that connection's socket (no
    round trip; a few microseconds) and handles whatever arrived: an invalidation drops the token, a closed or
    broken connection drops the token and the connection, and the token is then read again with a GET (which also
    tracks the key again). So a token is served only while its invalidation channel is open and nothing on it was
    left unread. And:

    - the writer's own process drops its token synchronously in ``bump`` (it does not wait for its push);
    - Redis writes the push to every tracking connection in the same event-loop turn in which it answers the
      writer's SET, so by the time the writer's request returns the push is on its way to every instance; a request
      on another instance that polls before it arrived (the one-way network latency; longer only if the packet is
      lost and retransmitted) gets the old copy, exactly like a request that read the generation just before the
      bump under a GET per request; nothing that starts after the writer's answer came back can be served
      the old copy unless the push is slower than the writer's answer plus a new request reaching that instance;
    - a connection that died without a word (no FIN: a cable pulled, a partition) is not seen by the poll, so
      the token is also read again with a GET at least every ``recheck`` seconds (1 s,
      ``PAGE_CACHE_REDIS_RECHECK_SECONDS``): that bounds such a silent loss, and the GET's timeout shows the dead
      connection;
    - after a fork (gunicorn's preload) a process never uses its parent's connection: it is made lazily per process.

    ``tracking=False`` (``PAGE_CACHE_REDIS_TRACKING = False``) reads the key with a GET on every request instead."""

    def __init__(self, client, key: str, *, tracking: bool = True, recheck: float = REDIS_RECHECK_SECONDS):
        self.client = client
        self.key = key
        self.tracking = tracking
        self.recheck = recheck
        self.down_until = 0.0
        self.unannounced = False
        self._lock = threading.Lock()
        self._pid = 0
        self._connection = None
        self._poll = None
        self._token: str | None = None
        self._read_at = 0.0
        self._bumps = 0  # changes made by this process: a GET that raced one of them is not kept

    def _failed(self, error: Exception) -> None:
        self.down_until = time.monotonic() + REDIS_RETRY_SECONDS
        log.warning("page cache: Redis unreachable (%s); pages are rendered without the cache", type(error).__name__)

    def read(self) -> str | None:
        if self.down_until and time.monotonic() < self.down_until:
            return None
        if not self.tracking:
            return self._read_with_get()
        with self._lock:
            try:
                if self._pid != os.getpid():  # a new process (or the first read): never the parent's connection
                    self._forget()
                if self.unannounced:
                    self.client.set(self.key, uuid.uuid4().hex)
                    self.unannounced = False
                    self._token = None
                token = self._token
                if token is not None and (self._poll.poll(0) or time.monotonic() - self._read_at >= self.recheck):
                    try:
                        token = self._drain()
                    except Exception:  # noqa: BLE001 - the connection was lost (a push may be lost with it)
                        self._drop()
                        token = None
                if token is None:
                    token = self._fetch()  # on a new connection if the last one was lost
            except _NoTracking:
                return self._read_with_get()
            except Exception as error:  # noqa: BLE001 - any trouble with Redis: serve without the cache
                self._drop()
                self._failed(error)
                return None
        self.down_until = 0.0
        return token

    def _drain(self) -> str | None:
        """Handles what arrived on the tracking connection: any push drops the token; a closed connection raises.
        After the recheck time, the token is dropped too (read again with a GET)."""
        connection = self._connection
        while connection.can_read(0):
            connection.read_response(push_request=True)
            self._token = None
        if self._token is not None and time.monotonic() - self._read_at >= self.recheck:
            self._token = None
        return self._token

    def _fetch(self) -> str:
        if self._connection is None:
            self._connect()
        connection = self._connection
        bumps = self._bumps
        read_at = time.monotonic()
        connection.send_command("GET", self.key)
        value = connection.read_response()
        if value is None:  # a new or emptied Redis: a token never used before
            self.client.set(self.key, uuid.uuid4().hex, nx=True)
            connection.send_command("GET", self.key)
            value = connection.read_response()
        token = value.decode("ascii", "replace") if isinstance(value, bytes) else str(value)
        # Pushes that came in the same packets as the reply are for writes after the GET: handled now, so that the
        # socket poll of the next read sees everything that is still to come.
        pushed = False
        pending = getattr(connection._sock, "pending", None)  # TLS: bytes decrypted but not yet taken
        while connection._parser._buffer.unread_bytes() or (pending is not None and pending()):
            connection.read_response(push_request=True)
            pushed = True
        if not pushed and bumps == self._bumps:  # else this request's token (read before that write) only
            self._token, self._read_at = token, read_at
        return token

    def _connect(self) -> None:
        import select

        from redis.connection import Connection
        from redis.exceptions import ResponseError

        pool = self.client.connection_pool
        options = {**pool.connection_kwargs, "protocol": 3}
        if issubclass(pool.connection_class, Connection):  # TCP (plain or TLS), not a Unix socket
            options["socket_keepalive"] = True
        connection = pool.connection_class(**options)
        connection.connect()
        problems = tracking_internals_problems(connection)
        if problems:  # redis-py keeps them elsewhere (an upgrade, the hiredis parser): a GET per request
            connection.disconnect()
            self.tracking = False
            log.warning("page cache: the generation is read on every request: %s", "; ".join(problems))
            raise _NoTracking
        connection._parser.set_invalidation_push_handler(lambda response: None)  # read_response drops the token
        connection.send_command("CLIENT", "TRACKING", "ON")
        try:
            answer = connection.read_response()
        except ResponseError as error:  # a Redis without key tracking (before 6): a GET per request, as before
            connection.disconnect()
            self.tracking = False
            log.warning("page cache: Redis refused key tracking (%s); the generation is read on every request", error)
            raise _NoTracking from error
        if answer not in (b"OK", "OK"):
            raise RuntimeError("Redis refused CLIENT TRACKING ON")
        poll = select.poll()
        poll.register(connection._sock.fileno(), select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP)
        self._connection, self._poll, self._pid = connection, poll, os.getpid()

    def _forget(self) -> None:
        """After a fork: the parent's connection is left alone (closing it here could shut the parent's socket)."""
        self._connection = self._poll = self._token = None
        self._pid = os.getpid()

    def _drop(self) -> None:
        connection, self._connection, self._poll, self._token = self._connection, None, None, None
        if connection is not None and self._pid == os.getpid():
            try:
                connection.disconnect()
            except Exception:  # noqa: BLE001, S110 - it is gone either way
                pass

    def close(self) -> None:
        """Close this process's connections to Redis: the tracking one and the client's pool (gunicorn's arbiter,
        once it has read the generation before it forks: its workers never use them, and they would stay open and
        idle beside the arbiter). The next read connects again."""
        with self._lock:
            self._drop()
        self.client.connection_pool.disconnect()

    def _read_with_get(self) -> str | None:
        try:
            if self.unannounced:
                self.client.set(self.key, uuid.uuid4().hex)
                self.unannounced = False
            value = self.client.get(self.key)
            if value is None:  # a new or emptied Redis: a token never used before
                self.client.set(self.key, uuid.uuid4().hex, nx=True)
                value = self.client.get(self.key)
        except Exception as error:  # noqa: BLE001 - any trouble with Redis: serve without the cache
            self._failed(error)
            return None
        self.down_until = 0.0
        return value.decode("ascii", "replace") if isinstance(value, bytes) else str(value)

    def bump(self, token: str | None = None) -> None:
        # This process forgets its token at once (its own push may come later).
        self._bumps += 1
        self._token = None
        try:
            self.client.set(self.key, token or uuid.uuid4().hex)
            self.unannounced = False
        except Exception as error:  # noqa: BLE001 - remembered, announced when Redis answers again
            self.unannounced = True
            self._failed(error)
        self._token = None


# --- the copies ------------------------------------------------------------------------------------------------

class Entry:
    """A stored page: its bytes with placeholders for the per-visitor parts, split once at those placeholders so
    that serving it is one join (``parts[i]`` goes between ``segments[i]`` and ``segments[i + 1]``)."""

    __slots__ = ("body", "deflated", "parts", "replay", "segments", "size")

    def __init__(self, body: bytes, placeholder: re.Pattern[bytes]):
        self.body = body
        # The headers of a hit through Flask, by (gzipped, page of at least compression's MIN_SIZE, HEAD), as the
        # fast path replays them (see FastHits).
        self.replay: dict[tuple[bool, bool, bool], list[tuple[str, str | None]]] = {}
        self.size = len(body)
        pieces = placeholder.split(body)
        self.segments = pieces[0::2]
        self.parts = [name.decode() for name in pieces[1::2]]
        self.deflated: list[bytes] | None = None

    def gzip(self, values: dict[str, bytes]) -> tuple[bytes, bytes]:
        """The page for these per-visitor values, plain and gzipped. The constant segments are compressed once
        (each a raw deflate stream ending in a sync flush, kept with the copy); each per-visitor value goes in
        as it is, in stored (uncompressed) deflate blocks: no secret is compressed, let alone beside other
        text, so the compressed size says nothing about it (BREACH); and no compressor is set up per visitor."""
        if self.deflated is None:
            self.deflated = [_deflate(segment) for segment in self.segments]
        plain = [self.segments[0]]
        packed = [GZIP_HEADER, self.deflated[0]]
        for name, segment, deflated in zip(self.parts, self.segments[1:], self.deflated[1:], strict=True):
            value = values[name]
            plain += (value, segment)
            packed += (_stored(value), deflated)
        body = b"".join(plain)
        packed += (FINAL_EMPTY_BLOCK, struct.pack("<II", zlib.crc32(body), len(body) & 0xFFFFFFFF))
        return body, b"".join(packed)

    def render(self, values: dict[str, bytes]) -> bytes:
        if not self.parts:
            return self.body
        pieces = [self.segments[0]]
        for name, segment in zip(self.parts, self.segments[1:], strict=True):
            pieces.append(values[name])
            pieces.append(segment)
        return b"".join(pieces)


GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate, no name, no time, unknown OS
FINAL_EMPTY_BLOCK = b"\x03\x00"  # a last, empty block with fixed codes: ends the deflate stream


def _stored(data: bytes) -> bytes:
    """``data`` as stored deflate blocks (not final; the stream is byte-aligned after a sync flush)."""
    return b"".join(b"\x00" + struct.pack("<HH", len(chunk), len(chunk) ^ 0xFFFF) + chunk
                    for chunk in (data[start:start + 0xFFFF] for start in range(0, len(data), 0xFFFF)))


def _deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)


class LocalPages:
    """Copies in this process, least recently used dropped first, at most ``max_bytes`` of pages; emptied when
    the generation changes (older copies can never be asked for again)."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.size = 0
        self.generation: str | None = None
        self.entries: OrderedDict[str, Entry] = OrderedDict()

    def _check(self, generation: str) -> None:
        if generation != self.generation:
            self.entries.clear()
            self.size = 0
            self.generation = generation

    def get(self, generation: str, key: str) -> Entry | None:
        self._check(generation)
        entry = self.entries.get(key)
        if entry is not None:
            self.entries.move_to_end(key)
        return entry

    def put(self, generation: str, key: str, entry: Entry) -> None:
        if self.generation is not None and generation != self.generation:
            return  # rendered before the latest change this process saw: not worth keeping
        self._check(generation)
        if entry.size > self.max_bytes // 4:
            return
        old = self.entries.pop(key, None)
        if old is not None:
            self.size -= old.size
        self.entries[key] = entry
        self.size += entry.size
        while self.size > self.max_bytes and self.entries:
            _, dropped = self.entries.popitem(last=False)
            self.size -= dropped.size


class RedisPages:
    """Copies in Redis for the other web instances, each for ``seconds`` at most. Errors count as a miss."""

    def __init__(self, client, prefix: str, seconds: int):
        self.client = client
        self.prefix = prefix
        self.seconds = seconds

    def _key(self, generation: str, key: str) -> str:
        return self.prefix + hashlib.sha256(f"{generation}|{key}".encode()).hexdigest()

    def get(self, generation: str, key: str) -> bytes | None:
        try:
            data = self.client.get(self._key(generation, key))
        except Exception:  # noqa: BLE001
            return None
        return data or None

    def put(self, generation: str, key: str, body: bytes) -> None:
        try:
            self.client.set(self._key(generation, key), body, ex=self.seconds)
        except Exception:  # noqa: BLE001
            pass


class PageCache:
    def __init__(self, app: Flask):
        self.enabled = bool(app.config.get("PAGE_CACHE", True))
        self.fast = bool(app.config.get("PAGE_CACHE_FAST", True))
        prefix = app.config.get("PAGE_CACHE_PREFIX") or "shop:"
        self.local = LocalPages(int(app.config.get("PAGE_CACHE_MAX_BYTES") or 64 * 1024 * 1024))
        self.shared: RedisPages | None = None
        url = app.config.get("REDIS_URL")
        if url:
            import redis

            client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
            self.generation = RedisGeneration(client, prefix + "catalogue:generation",
                                              tracking=bool(app.config.get("PAGE_CACHE_REDIS_TRACKING", True)),
                                              recheck=float(app.config.get("PAGE_CACHE_REDIS_RECHECK_SECONDS")
                                                            or REDIS_RECHECK_SECONDS))
            self.shared = RedisPages(client, prefix + "page:", int(app.config.get("PAGE_CACHE_SECONDS") or 86400))
        else:
            path = app.config.get("PAGE_CACHE_GENERATION_FILE") or os.path.join(app.instance_path,
                                                                                 "catalogue-generation")
            self.generation = FileGeneration(path)
        self.app = app
        self._build: str | None = None
        self.parts: dict[str, Callable[[], str]] = app.extensions.setdefault("page_cache_parts", {})
        self._settings_fingerprints: dict[str, tuple[ShopSettings, str]] = {}
        self.fast_parts: dict[str, Callable[[Visit], str | None]] = app.extensions.setdefault(
            "page_cache_fast_parts", {})
        self.pattern = re.compile(rb"<!--page-cache:([a-z_]+)-->")
        # Figures remembered until the catalogue changes (``until_catalogue_changes``), with their generation.
        self.figures: dict[str, object] = {}
        self.figures_generation: str | None = None

    @property
    def build(self) -> str:
        if self._build is None:  # on the first page, not at every start of a command
            self._build = _build_fingerprint(self.app)
        return self._build

    def placeholder(self, name: str) -> str:
        return f"<!--page-cache:{name}-->"

    def settings_fingerprint(self, config) -> tuple[ShopSettings, str]:
        """The shop's settings for this config (``get_settings`` without an app context: they come from the app's
        config, never from the database) and their fingerprint, kept per content of the overrides."""
        overrides = config.get("SHOP_SETTINGS")
        marker = repr(overrides) if overrides else ""
        known = self._settings_fingerprints.get(marker)
        if known is None:
            settings = settings_from(config)
            known = (settings, hashlib.sha256(repr(settings).encode()).hexdigest()[:16])
            if len(self._settings_fingerprints) > 64:
                self._settings_fingerprints.clear()
            self._settings_fingerprints[marker] = known
        return known

    def key(self) -> str:
        """The key of this Flask request's page."""
        return self.key_for(request.environ, request.host, select_locale())

    def key_for(self, environ: dict, host: str, locale: str) -> str:
        """The key of a page: the one rule, for a Flask request (``key``) and for the fast path (``FastHits``)."""
        settings, fingerprint = self.settings_fingerprint(self.app.config)
        now = shop_now()
        after_cutoff = "1" if now.time() >= settings.order_cutoff else "0"
        return "|".join((
            self.build, fingerprint, locale, now.date().isoformat(), after_cutoff,
            environ.get("wsgi.url_scheme", ""), host, environ.get("SCRIPT_NAME", ""),
            environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""),
        ))

    def lookup(self, generation: str, key: str) -> Entry | None:
        entry = self.local.get(generation, key)
        if entry is None and self.shared is not None:
            body = self.shared.get(generation, key)
            if body is not None:
                entry = Entry(body, self.pattern)
                self.local.put(generation, key, entry)
        return entry

    def store(self, generation: str, key: str, entry: Entry) -> None:
        self.local.put(generation, key, entry)
        if self.shared is not None:
            self.shared.put(generation, key, entry.body)

    def personalise(self, entry: Entry, *, compress: bool = True) -> bytes:
        """The page for this visitor: each per-visitor part rendered once and put in its places. When the
        visitor takes gzip, its compressed form is assembled from the copy's compressed segments and left in
        ``g.page_cache_gzip`` for the compression step (which sends it if the body is still this one)."""
        values = {name: str(self.parts[name]()).encode() for name in set(entry.parts)}
        body, packed = assemble(entry, values, compress and accepts_gzip())
        if packed is not None:
            g.page_cache_gzip = (body, packed)
        return body


def assemble(entry: Entry, values: dict[str, bytes], gzip: bool) -> tuple[bytes, bytes | None]:
    """The page for these per-visitor values, and its gzipped form when ``gzip`` and it is worth it (else None)."""
    if gzip and entry.size >= COMPRESS_MIN_SIZE:
        body, packed = entry.gzip(values)
        return body, (packed if len(packed) < len(body) else None)
    return (entry.render(values) if entry.parts else entry.body), None


def _build_fingerprint(app: Flask) -> str:
    """What the deployed code renders with (Python modules, templates, translations, static files), by content: a
    copy made by another version of the shop sharing the Redis is never served, and instances of one version on
    several machines share their copies."""
    digest = hashlib.sha256()
    roots = [app.root_path, app.static_folder or "", os.path.join(app.root_path, app.template_folder or "")]
    for root in roots:
        for folder, folders, files in sorted(os.walk(root)):
            folders[:] = sorted(name for name in folders if name != "__pycache__")
            for name in sorted(files):
                try:
                    with open(os.path.join(folder, name), "rb") as file:
                        digest.update(os.path.relpath(os.path.join(folder, name), root).encode() + b"\0")
                        digest.update(hashlib.sha256(file.read()).digest())
                except OSError:
                    continue
    return digest.hexdigest()[:16]


# --- figures kept until the catalogue changes --------------------------------------------------------------------

def until_catalogue_changes(key: str, compute: Callable[[], object]) -> tuple[object, bool]:
    """``compute()``'s result, kept in this process until the catalogue's generation changes, and whether it was
    kept from before (True) or computed now. For figures that only the catalogue's rows decide (counts over every
    product) and that the same for every visitor: plain values, never ORM objects (they belong to one session).

    Exact as the cached pages are: the generation is read before ``compute()`` reads the database, so a figure is
    only ever served under the generation that was current when its rows were read, and every writer's change gives
    a new generation (``catalogue_changed``), in every process. Without a generation (no app context, Redis
    unreachable) nothing is kept. ``SHOP_PAGE_CACHE=0`` does not change this: it turns off serving pages."""
    cache = current_app.extensions.get("page_cache") if has_app_context() else None
    generation = cache.generation.read() if cache is not None else None
    if generation is None:
        return compute(), False
    if cache.figures_generation != generation:
        cache.figures = {}
        cache.figures_generation = generation
    figures = cache.figures
    if key in figures:
        return figures[key], True
    value = compute()
    if cache.figures_generation == generation:  # else a newer generation was seen meanwhile: not kept
        figures[key] = value
    return value, False


# --- pages and per-visitor parts -------------------------------------------------------------------------------

def shared_page(view):
    """Route decorator: the page is the same for every anonymous visitor in a language (apart from the parts
    registered with ``per_visitor``), so it may be served from the cache."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        return view(*args, **kwargs)

    wrapped.shared_page = True
    return wrapped


def per_visitor(app: Flask, name: str, render: Callable[[], str],
                fast: Callable[[Visit], str | None] | None = None) -> None:
    """Register a per-visitor part of the layout: templates write ``{{ per_visitor("<name>") }}``; a copy for the
    cache holds a placeholder, filled in for each visitor by ``render()`` (in a Flask request).

    ``fast(visit)`` renders the same part without Flask, for the fast path (``FastHits``): it must give exactly
    what ``render()`` would for that visitor, or None when it cannot tell cheaply (Flask then answers). A part
    without ``fast`` sends every page holding it through Flask."""
    app.extensions.setdefault("page_cache_parts", {})[name] = render
    if fast is not None:
        app.extensions.setdefault("page_cache_fast_parts", {})[name] = fast


def _filling() -> bool:
    return bool(g.get("page_cache_fill"))


def _part(name: str) -> Markup:
    cache = current_app.extensions["page_cache"]
    if _filling():
        return Markup(cache.placeholder(name))
    return Markup(cache.parts[name]())


def _session_state() -> dict:
    """The visitor's session but Flask-Login's "fresh" mark (which it sets on the first look at the user)."""
    return {key: value for key, value in session.items() if key != "_fresh"}


def _anonymous_without_messages() -> bool:
    if "_user_id" in session or "_flashes" in session:
        return False
    remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    return remember not in request.cookies


def _shared_endpoint() -> bool:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return bool(getattr(view, "shared_page", False))


_csrf_serializers: dict[bytes | str, ShortPayloadSerializer] = {}


def _csrf_serializer(secret) -> ShortPayloadSerializer:
    serializer = _csrf_serializers.get(secret)
    if serializer is None:
        if len(_csrf_serializers) > 8:
            _csrf_serializers.clear()
        serializer = _csrf_serializers[secret] = ShortPayloadSerializer(secret, salt="wtf-csrf-token")
    return serializer


def _raw_csrf_token() -> str:
    return hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324 - Flask-WTF's own raw token


def generate_csrf() -> str:
    """Flask-WTF's ``generate_csrf`` (the same token, in the same session field and ``g``, checked by its
    ``validate_csrf``) with its signing serializer built once per key instead of on every page."""
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME") or "csrf_token"
    token = g.get(field)
    if token is not None:
        return token
    secret = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    if not secret:
        return flask_wtf_generate_csrf()  # raises its own clear error
    serializer = _csrf_serializer(secret)
    if field not in session:
        session[field] = _raw_csrf_token()
    try:
        token = serializer.dumps(session[field])
    except TypeError:
        session[field] = _raw_csrf_token()
        token = serializer.dumps(session[field])
    setattr(g, field, token)
    return token


# --- the fast path: a hit served without Flask ------------------------------------------------------------------

HIT_MARK = "shop.page_cache.hit"  # in the WSGI environ of a request Flask answered from the cache: (entry, HEAD)
MAX_FAST_PATHS = 100_000
# Headers of a hit that are each request's own: left out of the recorded headers and made again for each hit.
PER_REQUEST_HEADERS = frozenset({"content-length", "x-request-id", "set-cookie"})


class Visit:
    """What a fast renderer of a per-visitor part knows of the visitor: the request's WSGI environ, its cookies (a
    dict of each name's first value, as ``request.cookies.get`` gives it), its Flask session's content (changes are
    written back into the session cookie, as Flask would), the app and the language (``select_locale``'s choice)."""

    __slots__ = ("app", "cookies", "environ", "language", "locale", "session", "session_modified")

    def __init__(self, app: Flask, environ: dict, cookies: dict[str, str], session: dict, locale: str):
        self.app = app
        self.environ = environ
        self.cookies = cookies
        self.session = session
        self.session_modified = False
        self.locale = locale
        self.language = locale.split("_")[0]  # as i18n.current_language() gives it


def _fast_csrf_token(visit: Visit) -> str | None:
    """``generate_csrf`` for the fast path: the token signed from the session's raw token, a new raw token in the
    session when it has none."""
    config = visit.app.config
    field = config.get("WTF_CSRF_FIELD_NAME") or "csrf_token"
    secret = config.get("WTF_CSRF_SECRET_KEY") or visit.app.secret_key
    if not secret:
        return None
    if field not in visit.session:
        visit.session[field] = _raw_csrf_token()
        visit.session_modified = True
    try:
        return _csrf_serializer(secret).dumps(visit.session[field])
    except TypeError:  # Flask replaces such a raw token (and so changes the session): let it
        return None


class FastHits:
    """WSGI layer in front of the Flask app (``app.wsgi_app``) that answers a GET or HEAD for a page in the cache
    without Flask (no request context, session interface, hooks or Flask-Login), with exactly the answer Flask's
    own hit (``serve_from_cache``) would give; anything it is not sure of goes to Flask untouched.

    It answers only when: the cache is on; the visitor is anonymous (no user, no flashed message, no pending
    remember-cookie change in the session, not a permanent session, no remember cookie); the host is one the app
    trusts; a copy for the current generation exists under the key ``PageCache.key_for`` gives (the same rule
    as Flask's; a copy exists only of a URL that went through every check of a request and was answered 200 by a
    ``@shared_page`` view); every per-visitor part of the copy has a fast renderer that could tell; and Flask has
    served a hit of that copy at least once in this process in the same form (gzipped or not, GET or HEAD): the
    headers of that hit, but the per-request ones (Content-Length, X-Request-ID, Set-Cookie), are recorded with
    the copy and replayed, so the security headers, Vary, Cache-Control, HSTS ... are those Flask sends. A new
    session cookie (a new visitor's CSRF token) is written as Flask's session interface writes it; the request's
    log line is written as Flask's (shop.core.observability)."""

    def __init__(self, app: Flask, cache: PageCache, wsgi_app):
        self.app = app
        self.cache = cache
        self.wsgi_app = wsgi_app
        # The paths (PATH_INFO) of which Flask served a hit from the cache: only these are looked up here, so any
        # other request (a static file, a page never cached) goes to Flask at no cost.
        self.paths: set[str] = set()
        # Pure functions of a header, remembered (a few hundred distinct values at most are kept):
        self._sessions: dict[str, tuple[object, dict, int]] = {}  # cookie -> (serializer, content, signed at)
        self._locales: dict[tuple, str] = {}  # (languages, default, chosen, Accept-Language) -> locale
        self._gzip: dict[str | None, bool] = {}  # Accept-Encoding -> takes gzip
        self._hosts: dict[tuple, str | None] = {}  # (scheme, Host, server, trusted hosts) -> host, None: untrusted
        self._cookies: dict[tuple, tuple[str, str] | tuple[()]] = {}  # cookie's attributes -> the text around its value

    def session_data(self, serializer, value: str, max_age: int) -> dict:
        """The content of a session cookie as ``open_session`` reads it: verified once per cookie (a bad
        signature gives an empty session), then its age checked on each request as itsdangerous checks it."""
        known = self._sessions.get(value)
        if known is None or known[0] is not serializer:
            try:
                data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
            except BadSignature:
                return {}  # as open_session: a new, empty session
            if not isinstance(data, dict):
                return data
            if len(self._sessions) > 4096:
                self._sessions.clear()
            known = self._sessions[value] = (serializer, data, int(signed_at.timestamp()))
        age = int(time.time()) - known[2]
        if age > max_age or age < 0:
            return {}  # expired: SignatureExpired, a new, empty session
        return dict(known[1])

    def locale(self, config, chosen, header: str | None) -> str:
        key = (config["LANGUAGES"], config["BABEL_DEFAULT_LOCALE"], chosen, header)
        locale = self._locales.get(key)
        if locale is None:
            if len(self._locales) > 512:
                self._locales.clear()
            locale = self._locales[key] = choose_locale(config, chosen, parse_accept_header(header, LanguageAccept))
        return locale

    def host(self, environ: dict, trusted: list[str] | None) -> str | None:
        """``get_host(environ, trusted)`` (None where it raises SecurityError), remembered: in production (trusted
        host names set) werkzeug's check IDNA-encodes the Host and each trusted name on every request."""
        key = (environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"), environ.get("SERVER_NAME"),
               environ.get("SERVER_PORT"), tuple(trusted) if trusted else None)
        try:
            return self._hosts[key]
        except KeyError:
            pass
        try:
            host = get_host(environ, trusted)
        except SecurityError:
            host = None
        if len(self._hosts) > 512:
            self._hosts.clear()
        self._hosts[key] = host
        return host

    def accepts_gzip(self, header: str | None) -> bool:
        accepts = self._gzip.get(header)
        if accepts is None:
            if len(self._gzip) > 512:
                self._gzip.clear()
            accepts = self._gzip[header] = "gzip" in parse_accept_header(header, Accept)  # as accepts_gzip()
        return accepts

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD")
        if (method == "GET" or method == "HEAD") and environ.get("PATH_INFO") in self.paths:
            started = time.perf_counter()
            try:
                answer = self.answer(environ, method == "HEAD")
            except Exception:  # noqa: BLE001 - never worse than Flask: it answers, with its own error handling
                log.exception("page cache: the fast path failed; Flask answers")
                answer = None
            if answer is not None:
                status, headers, body = answer
                start_response(status, headers)
                self._log(environ, method, started, headers)
                return [body]
        if method == "GET" or method == "HEAD":
            return self.wsgi_app(environ, _Recorder(self, environ, start_response))
        return self.wsgi_app(environ, start_response)

    def answer(self, environ: dict, head: bool) -> tuple[str, list[tuple[str, str]], bytes] | None:
        app, cache = self.app, self.cache
        if not cache.enabled or not cache.fast:
            return None
        config = app.config
        # A plain dict of each cookie's first value (what MultiDict.get gives): werkzeug's MultiDict answers a missing
        # key with a BadRequestKeyError made and caught inside .get, and a new visitor has no cookie at all.
        header = environ.get("HTTP_COOKIE")
        cookies = dict(parse_cookie(header).items()) if header else {}
        if (config.get("REMEMBER_COOKIE_NAME") or "remember_token") in cookies:
            return None
        interface = app.session_interface
        serializer = interface.get_signing_serializer(app)
        if serializer is None:  # no secret key: Flask's null session
            return None
        data: dict = {}
        value = cookies.get(interface.get_cookie_name(app))
        if value:
            data = self.session_data(serializer, value, int(app.permanent_session_lifetime.total_seconds()))
            if not isinstance(data, dict):
                return None
        if "_user_id" in data or "_flashes" in data or "_remember" in data or data.get("_permanent"):
            return None
        host = self.host(environ, config["TRUSTED_HOSTS"])
        if host is None:
            return None
        locale = self.locale(config, data.get("lang"), environ.get("HTTP_ACCEPT_LANGUAGE"))
        generation = cache.generation.read()
        if generation is None:
            return None
        entry = cache.lookup(generation, cache.key_for(environ, host, locale))
        if entry is None or not entry.replay:
            return None
        visit = Visit(app, environ, cookies, data, locale)
        values = {}
        for name in set(entry.parts):
            render = cache.fast_parts.get(name)
            rendered = render(visit) if render is not None else None
            if rendered is None:
                return None
            values[name] = str(rendered).encode()
        accepts = self.accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING"))
        body, packed = assemble(entry, values, accepts)
        big = len(body) >= COMPRESS_MIN_SIZE  # compression's own threshold (on the page as sent)
        if accepts and big and packed is None:
            return None  # Flask's compression step would try the page whole: let it
        gzipped = packed is not None and big
        recorded = entry.replay.get((gzipped, big, head))
        if recorded is None:
            return None
        sent = packed if gzipped else body
        headers = []
        for name, value in recorded:
            if value is None:
                lower = name.lower()
                if lower == "content-length":
                    value = str(len(sent))
                else:  # x-request-id
                    value = request_id_for(environ.get("HTTP_X_REQUEST_ID", ""),
                                           int(config.get("TRUSTED_PROXIES") or 0) > 0)
                    environ[REQUEST_ID_MARK] = value
            headers.append((name, value))
        if visit.session_modified and visit.session:
            headers.append(("Set-Cookie", self.session_cookie(interface, serializer, visit.session)))
        return "200 OK", headers, b"" if head else sent

    def session_cookie(self, interface, serializer, data: dict) -> str:
        """The ``Set-Cookie`` value Flask's session interface writes for this session (``dump_cookie``). Its
        attributes are the same for every visitor: ``dump_cookie``'s output around the value is kept per set of
        attributes and only the signed value put in, when that value is one it writes as it is (unquoted) and
        the cookie stays within the size it warns above."""
        app = self.app
        session = interface.session_class(data)
        value = serializer.dumps(dict(session))
        options = {
            "expires": interface.get_expiration_time(app, session), "path": interface.get_cookie_path(app),
            "domain": interface.get_cookie_domain(app), "secure": interface.get_cookie_secure(app),
            "httponly": interface.get_cookie_httponly(app),
            "max_size": app.config["MAX_COOKIE_SIZE"],  # Flask's Response.max_cookie_size
            "samesite": interface.get_cookie_samesite(app), "partitioned": interface.get_cookie_partitioned(app),
        }
        name = interface.get_cookie_name(app)
        if options["expires"] is None and _UNQUOTED_COOKIE_VALUE.fullmatch(value):
            key = (name, *options.values())
            around = self._cookies.get(key)
            if around is None:
                if len(self._cookies) > 64:
                    self._cookies.clear()
                written = dump_cookie(name, _COOKIE_VALUE_MARK, **(options | {"max_size": 0}))
                before, _, after = written.rpartition(_COOKIE_VALUE_MARK)
                # Checked once against dump_cookie itself; if it does not put the value there, it writes each one.
                exact = before + value + after == dump_cookie(name, value, **(options | {"max_size": 0}))
                around = self._cookies[key] = (before, after) if exact else ()
            if around:
                cookie = around[0] + value + around[1]
                if not options["max_size"] or len(cookie) <= options["max_size"]:
                    return cookie
        return dump_cookie(name, value, **options)

    def _log(self, environ: dict, method: str, started: float, headers) -> None:
        if not request_log.isEnabledFor(logging.INFO):
            return
        path = "/" + environ.get("PATH_INFO", "").encode("latin1").decode("utf-8", "replace").lstrip("/")
        duration = round((time.perf_counter() - started) * 1000, 1)
        log_request_line(method, path, 200, duration, "anonymous", environ.pop(REQUEST_ID_MARK, ""))


REQUEST_ID_MARK = "shop.page_cache.request_id"
# A signed value (itsdangerous: URL-safe base64 and dots) is one dump_cookie writes as it is; the mark stands for it
# while the text around it is made.
_UNQUOTED_COOKIE_VALUE = re.compile(r"[A-Za-z0-9._-]+")
_COOKIE_VALUE_MARK = "cookie-value-mark"


class _Recorder:
    """start_response for a request Flask answers: when it was a hit from the cache (``HIT_MARK``), keeps its
    headers with the copy for the fast path (per-request headers as empty slots)."""

    __slots__ = ("environ", "fast", "start_response")

    def __init__(self, fast: FastHits, environ, start_response):
        self.fast = fast
        self.environ = environ
        self.start_response = start_response

    def __call__(self, status, headers, exc_info=None):
        hit = self.environ.pop(HIT_MARK, None)
        if hit is not None and exc_info is None and status == "200 OK":
            entry, head = hit
            found = {name.lower(): value for name, value in headers}
            if found.get(HEADER.lower()) == "hit" and "content-length" in found:
                gzipped = found.get("content-encoding") == "gzip"
                big = gzipped or _vary_has(found.get("vary", ""), "Accept-Encoding")
                entry.replay[(gzipped, big, head)] = [
                    (name, None if name.lower() in PER_REQUEST_HEADERS else value)
                    for name, value in headers if name.lower() != "set-cookie"
                ]
                paths = self.fast.paths
                if len(paths) >= MAX_FAST_PATHS:
                    paths.clear()
                paths.add(self.environ.get("PATH_INFO", ""))
        return self.start_response(status, headers, exc_info)


def _vary_has(vary: str, name: str) -> bool:
    return name.lower() in (part.strip().lower() for part in vary.split(","))


def init_app(app: Flask) -> None:
    """Called last by create_app, so that the copy is taken before any other step rewrites the response."""
    cache = PageCache(app)
    app.extensions["page_cache"] = cache
    cache.parts["csrf_token"] = generate_csrf
    cache.fast_parts["csrf_token"] = _fast_csrf_token

    def csrf_token() -> str:
        return Markup(cache.placeholder("csrf_token")) if _filling() else generate_csrf()

    # Flask-WTF offers csrf_token as a global and through a context processor: both are replaced.
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["per_visitor"] = _part
    app.context_processor(lambda: {"csrf_token": csrf_token})

    def serve_from_cache():
        g.pop("page_cache_fill", None)
        g.pop("page_cache_gzip", None)
        if request.method not in ("GET", "HEAD") or not _shared_endpoint():
            return None
        g.page_cache_vary = True
        if not cache.enabled or not _anonymous_without_messages():
            g.page_cache_state = "bypass" if cache.enabled else "off"
            return None
        generation = cache.generation.read()
        if generation is None:
            g.page_cache_state = "unavailable"
            return None
        key = cache.key()
        entry = cache.lookup(generation, key)
        if entry is not None:
            g.page_cache_state = "hit"
            # Known to be a visitor (no user in the session, no remember cookie): Flask-Login need not look again.
            treat_as_visitor()
            request.environ[HIT_MARK] = (entry, request.method == "HEAD")  # its headers, for the fast path
            return Response(cache.personalise(entry), mimetype="text/html")
        g.page_cache_state = "miss"
        g.page_cache_fill = (generation, key, _session_state())
        g.pop("csrf_token", None)  # made by an earlier request of an app context kept open (tests)
        return None

    # The lookup runs right after the core's own checks of a request (request id, NUL, control characters), before
    # the extensions' (CSRF, rate limits: none on these GET pages) and the domains': a hit costs no more than it
    # must. A copy exists only of a URL that once went through every check and was answered 200.
    hooks = app.before_request_funcs.setdefault(None, [])
    position = 0
    while position < len(hooks) and getattr(hooks[position], "__module__", "").startswith("shop.core."):
        position += 1
    hooks.insert(position, serve_from_cache)

    @app.after_request
    def keep_a_copy(response):
        fill = g.pop("page_cache_fill", None)
        if g.pop("page_cache_vary", False):
            response.vary.update(VARY)
            response.headers[HEADER] = g.pop("page_cache_state", "bypass")
        if fill is None:
            return response
        if response.is_streamed or response.direct_passthrough:
            return response
        entry = Entry(response.get_data(), cache.pattern)
        stored = (response.status_code == 200 and response.mimetype == "text/html"
                  and "Set-Cookie" not in response.headers and _session_state() == fill[2] and "csrf_token" not in g
                  and not is_personal_response())
        if stored:
            cache.store(fill[0], fill[1], entry)
        # Compressed by segments only when stored: else a real token may sit inside a constant segment.
        response.set_data(cache.personalise(entry, compress=stored))
        return response

    # In front of Flask (inside the proxy fix, which create_app adds last): the fast path for hits.
    app.wsgi_app = FastHits(app, cache, app.wsgi_app)
