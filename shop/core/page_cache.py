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

- with ``SHOP_REDIS_URL``: a Redis key holding a random token (one GET per request; a restarted, emptied Redis
  gets a new token, never an old one back). Copies are kept in each process (LRU) and in Redis for the other
  instances. Redis unreachable: pages are rendered as without a cache (for a few seconds no new attempt), and a
  change made meanwhile is announced as soon as Redis answers again.
- without Redis (one machine): a small file in the instance folder whose content is the token, rewritten
  atomically on each change; every worker reads it per request (a few microseconds, where a table in the database
  would cost a query on every hit). Copies are kept in each process (LRU). Web instances on several machines
  need Redis, which production requires anyway.

``SHOP_PAGE_CACHE=0`` turns serving from the cache off (the generation is still kept, so instances with the cache
on stay exact).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import struct
import time
import uuid
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable
from functools import wraps
from pathlib import Path

from flask import Flask, Response, current_app, g, has_app_context, request, session
from flask_wtf.csrf import generate_csrf as flask_wtf_generate_csrf
from itsdangerous import URLSafeTimedSerializer
from markupsafe import Markup
from sqlalchemy import Table, event
from sqlalchemy.orm import Session

from shop.core.clock import shop_now
from shop.core.compression import LEVEL as COMPRESS_LEVEL
from shop.core.compression import MIN_SIZE as COMPRESS_MIN_SIZE
from shop.core.compression import accepts_gzip
from shop.core.db import db
from shop.core.i18n import select_locale
from shop.core.security import is_personal_response
from shop.core.settings import get_settings

log = logging.getLogger(__name__)

PENDING = "catalogue_changed"
HEADER = "X-Page-Cache"
VARY = ("Accept-Language", "Cookie")
REDIS_RETRY_SECONDS = 5.0


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


def _announce(what: set[str]) -> None:
    if not has_app_context():
        return
    cache = current_app.extensions.get("page_cache")
    if cache is not None:
        cache.generation.bump()
        log.debug("catalogue changed: %s", ", ".join(sorted(what)))


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction) -> None:
    # The outermost transaction ended: committed (the change is there for every reader now), or rolled back or
    # closed (invalidating then too costs one rendering of each page, and never misses a change written beside the
    # session, by a connection of its own, while the session kept a transaction open).
    if transaction.parent is None:
        pending = session.info.pop(PENDING, None)
        if pending:
            _announce(pending)


# The tables whose rows a catalogue page shows (registered by the domains that own them, through watch_tables):
# any ORM flush that adds, changes or deletes one of their rows, and any INSERT/UPDATE/DELETE statement run on
# the session against one of them, calls catalogue_changed by itself. Writers outside a session (a connection of
# their own) call catalogue_changed themselves.
_WATCHED: set[str] = set()


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
        changed.update(name for name in _table_names_of(obj) if name in _WATCHED)
    if changed:
        session.info.setdefault(PENDING, set()).update(changed)


@event.listens_for(Session, "do_orm_execute")
def _on_statement(state) -> None:
    if not _WATCHED or not (state.is_insert or state.is_update or state.is_delete):
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

    def bump(self) -> None:
        token = uuid.uuid4().hex
        temporary = f"{self.path}.{os.getpid()}.{token[:8]}"
        try:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            with open(temporary, "w", encoding="ascii") as file:
                file.write(token)
            os.replace(temporary, self.path)
        except OSError:
            log.exception("the catalogue's generation file %s could not be written", self.path)


class RedisGeneration:
    """The generation in Redis: a random token, replaced on each change. Redis unreachable: ``read`` answers None
    (no cache for now, and no new attempt for a few seconds) and a change is remembered and announced at the next
    read that reaches Redis."""

    def __init__(self, client, key: str):
        self.client = client
        self.key = key
        self.down_until = 0.0
        self.unannounced = False

    def _failed(self, error: Exception) -> None:
        self.down_until = time.monotonic() + REDIS_RETRY_SECONDS
        log.warning("page cache: Redis unreachable (%s); pages are rendered without the cache", type(error).__name__)

    def read(self) -> str | None:
        if self.down_until and time.monotonic() < self.down_until:
            return None
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

    def bump(self) -> None:
        try:
            self.client.set(self.key, uuid.uuid4().hex)
            self.unannounced = False
        except Exception as error:  # noqa: BLE001 - remembered, announced when Redis answers again
            self.unannounced = True
            self._failed(error)


# --- the copies ------------------------------------------------------------------------------------------------

class Entry:
    """A stored page: its bytes with placeholders for the per-visitor parts, split once at those placeholders so
    that serving it is one join (``parts[i]`` goes between ``segments[i]`` and ``segments[i + 1]``)."""

    __slots__ = ("body", "deflated", "parts", "segments", "size")

    def __init__(self, body: bytes, placeholder: re.Pattern[bytes]):
        self.body = body
        self.size = len(body)
        pieces = placeholder.split(body)
        self.segments = pieces[0::2]
        self.parts = [name.decode() for name in pieces[1::2]]
        self.deflated: list[bytes] | None = None

    def gzip(self, values: dict[str, bytes]) -> tuple[bytes, bytes]:
        """The page for these per-visitor values, plain and gzipped. The constant segments are compressed once
        (each a raw deflate stream ending in a sync flush, kept with the copy); each per-visitor value is
        compressed on its own, by a fresh compressor: no secret shares a compression window with other text, so
        the compressed size says nothing about it (BREACH)."""
        if self.deflated is None:
            self.deflated = [_deflate(segment) for segment in self.segments]
        plain = [self.segments[0]]
        packed = [GZIP_HEADER, self.deflated[0]]
        for name, segment, deflated in zip(self.parts, self.segments[1:], self.deflated[1:], strict=True):
            value = values[name]
            plain += (value, segment)
            packed += (_deflate(value), deflated)
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
        prefix = app.config.get("PAGE_CACHE_PREFIX") or "shop:"
        self.local = LocalPages(int(app.config.get("PAGE_CACHE_MAX_BYTES") or 64 * 1024 * 1024))
        self.shared: RedisPages | None = None
        url = app.config.get("REDIS_URL")
        if url:
            import redis

            client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
            self.generation = RedisGeneration(client, prefix + "catalogue:generation")
            self.shared = RedisPages(client, prefix + "page:", int(app.config.get("PAGE_CACHE_SECONDS") or 86400))
        else:
            path = app.config.get("PAGE_CACHE_GENERATION_FILE") or os.path.join(app.instance_path,
                                                                                 "catalogue-generation")
            self.generation = FileGeneration(path)
        self.app = app
        self._build: str | None = None
        self.parts: dict[str, Callable[[], str]] = app.extensions.setdefault("page_cache_parts", {})
        self._settings_fingerprints: dict[int, str] = {}
        self.pattern = re.compile(rb"<!--page-cache:([a-z_]+)-->")

    @property
    def build(self) -> str:
        if self._build is None:  # on the first page, not at every start of a command
            self._build = _build_fingerprint(self.app)
        return self._build

    def placeholder(self, name: str) -> str:
        return f"<!--page-cache:{name}-->"

    def settings_fingerprint(self) -> str:
        settings = get_settings()
        marker = hash(settings)
        fingerprint = self._settings_fingerprints.get(marker)
        if fingerprint is None:
            fingerprint = hashlib.sha256(repr(settings).encode()).hexdigest()[:16]
            if len(self._settings_fingerprints) > 64:
                self._settings_fingerprints.clear()
            self._settings_fingerprints[marker] = fingerprint
        return fingerprint

    def key(self) -> str:
        environ = request.environ
        now = shop_now()
        settings = get_settings()
        after_cutoff = "1" if now.time() >= settings.order_cutoff else "0"
        return "|".join((
            self.build, self.settings_fingerprint(), select_locale(), now.date().isoformat(), after_cutoff,
            environ.get("wsgi.url_scheme", ""), request.host, environ.get("SCRIPT_NAME", ""),
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
        if compress and entry.size >= COMPRESS_MIN_SIZE and accepts_gzip():
            body, packed = entry.gzip(values)
            if len(packed) < len(body):
                g.page_cache_gzip = (body, packed)
            return body
        return entry.render(values) if entry.parts else entry.body


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


# --- pages and per-visitor parts -------------------------------------------------------------------------------

def shared_page(view):
    """Route decorator: the page is the same for every anonymous visitor in a language (apart from the parts
    registered with ``per_visitor``), so it may be served from the cache."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        return view(*args, **kwargs)

    wrapped.shared_page = True
    return wrapped


def per_visitor(app: Flask, name: str, render: Callable[[], str]) -> None:
    """Register a per-visitor part of the layout: templates write ``{{ per_visitor("<name>") }}``; a copy for the
    cache holds a placeholder, filled in for each visitor by ``render()``."""
    app.extensions.setdefault("page_cache_parts", {})[name] = render


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


_csrf_serializers: dict[bytes | str, URLSafeTimedSerializer] = {}


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
    serializer = _csrf_serializers.get(secret)
    if serializer is None:
        if len(_csrf_serializers) > 8:
            _csrf_serializers.clear()
        serializer = _csrf_serializers[secret] = URLSafeTimedSerializer(secret, salt="wtf-csrf-token")
    if field not in session:
        session[field] = hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324 - Flask-WTF's own raw token
    try:
        token = serializer.dumps(session[field])
    except TypeError:
        session[field] = hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324
        token = serializer.dumps(session[field])
    setattr(g, field, token)
    return token


def init_app(app: Flask) -> None:
    """Called last by create_app, so that the copy is taken before any other step rewrites the response."""
    cache = PageCache(app)
    app.extensions["page_cache"] = cache
    cache.parts["csrf_token"] = generate_csrf

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
            g._login_user = current_app.login_manager.anonymous_user()
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
