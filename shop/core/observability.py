"""Logs a machine can read: every log line carries the request it belongs to, and every request ends with one
line saying what it was, how it ended and how long it took.

- ``LOG_FORMAT`` (``SHOP_LOG_FORMAT``): ``json`` writes one JSON object per line (time, level, logger, message,
  request_id, the request's fields, an error's traceback); ``text`` (development) writes time, level, logger,
  request id and message. Production defaults to JSON.
- The request id is the proxy's ``X-Request-ID`` when the shop trusts a proxy (``TRUSTED_PROXIES`` > 0) and
  it looks like an id, else a new random one. It goes back in the response's ``X-Request-ID``, on the error
  pages (``g.request_id``) and in the metadata sent to Stripe, so a customer's report, a log line and a
  payment can be matched.
- The line of a request: method, path (no query string: it may hold tokens), status, duration in ms, the
  visitor's role (anonymous, customer, producer, staff, admin).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request

from shop.core.login_state import loaded_user

log = logging.getLogger("shop.request")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# Standard attributes of a LogRecord: everything else on a record was passed by the caller in ``extra``.
_RECORD_FIELDS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "request_id"}


def current_request_id() -> str:
    """The id of the request being handled ("" outside a request)."""
    return getattr(g, "request_id", "") if has_request_context() else ""


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (empty outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        # A line written outside a Flask request (a page served by the page cache's fast path) brings its id.
        record.request_id = current_request_id() or getattr(record, "request_id", "")
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if getattr(record, "request_id", ""):
            entry["request_id"] = record.request_id
        entry.update({key: value for key, value in vars(record).items() if key not in _RECORD_FIELDS})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def configure_logging(log_format: str, level: str = "INFO") -> None:
    """One handler on the root logger, to standard error, in the chosen format (replacing one set before)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    handler.set_name("shop")
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "shop"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)


def _role() -> str:
    from flask_login import current_user

    if request.endpoint == "static" and loaded_user() is None:
        # A static file is the same for everyone: its line does not look the visitor up (no database query,
        # and no session read, so the file's response does not vary on the cookie).
        return "-"

    if not getattr(current_user, "is_authenticated", False):
        return "anonymous"
    role = getattr(current_user, "role", "")
    return getattr(role, "value", role) or "customer"


def request_id_for(incoming: str, trust_incoming: bool) -> str:
    """The id of a request: the proxy's ``X-Request-ID`` when the shop trusts a proxy and it looks like an id, else
    a new random one."""
    return incoming if trust_incoming and _REQUEST_ID.match(incoming) else uuid.uuid4().hex


def log_request_line(method: str, path: str, status: int, duration_ms: float | None, role: str,
                     request_id: str = "") -> None:
    """The one line that ends a request (also for a page the page cache's fast path serves without Flask)."""
    extra = {"method": method, "path": path, "status": status, "duration_ms": duration_ms, "role": role}
    if request_id and not has_request_context():
        extra["request_id"] = request_id
    log.info("%s %s %s", method, path, status, extra=extra)


def init_app(app: Flask) -> None:
    if not app.testing:  # tests keep pytest's log capture
        configure_logging(app.config.get("LOG_FORMAT", "text"), app.config.get("LOG_LEVEL", "INFO"))
    trust_incoming = int(app.config.get("TRUSTED_PROXIES") or 0) > 0

    @app.before_request
    def start_request():
        g.request_id = request_id_for(request.headers.get("X-Request-ID", ""), trust_incoming)
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response):
        request_id = current_request_id()
        if request_id:
            response.headers["X-Request-ID"] = request_id
        if not log.isEnabledFor(logging.INFO):  # the line would be dropped: do not build it
            return response
        started = getattr(g, "request_started", None)
        duration = round((time.perf_counter() - started) * 1000, 1) if started is not None else None
        try:
            role = _role()
        except Exception:  # noqa: BLE001 - the user could not be loaded (the database is down): still log
            role = "unknown"
        log_request_line(request.method, request.path, response.status_code, duration, role)
        return response
