"""When the database is in trouble: telling "unreachable" from other errors, rolling back without failing again,
and the page helpers that must not take the error page down with them.

The error pages extend ``base.html``, whose header reads the database (the cart's item count, the signed-in
user). After a failed statement the session refuses every further query until it is rolled back (PostgreSQL:
"current transaction is aborted"), and when the database is down every query fails. A page helper wrapped in
``fail_soft`` then gives its fallback instead, and while an error page is being made (``is_error_page``) the
signed-in user who cannot be read is shown the page as a visitor, so the buyer still sees the shop's own page
with its advice.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import TypeVar

from flask import g, has_request_context
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError

from shop.core.db import db

log = logging.getLogger(__name__)

T = TypeVar("T")

# How long a visitor is asked to wait before trying again when the database cannot be reached (seconds).
RETRY_AFTER_SECONDS = 60


def is_database_unreachable(error: BaseException | None) -> bool:
    """The error (or one it was raised from) says the database cannot be reached: a lost or refused connection,
    a server shutting down (``OperationalError``, ``InterfaceError``, or any DBAPI error that invalidated its
    connection), as opposed to a statement the database refused."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, (OperationalError, InterfaceError)):
            return True
        if isinstance(error, DBAPIError) and error.connection_invalidated:
            return True
        error = error.__cause__ or error.__context__
    return False


def start_error_page() -> None:
    """Say that the rest of this request makes an error page (the 500/503 handler calls this first)."""
    g.error_page = True


def is_error_page() -> bool:
    """This request is answering with an error page: what cannot be read from the database is left out."""
    return has_request_context() and g.get("error_page", False)


def rollback_quietly() -> None:
    """Roll the session back so that it can be used again; a rollback that fails too (the connection is gone)
    is logged, never raised: this runs while an error is being answered."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 (the page being answered matters more)
        log.warning("rollback failed while answering an error", exc_info=True)


def fail_soft(default: T) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """A page helper that gives ``default`` (after a rollback) instead of raising when the database fails."""

    def decorate(function: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(function)
        def wrapper(*args, **kwargs) -> T:
            try:
                return function(*args, **kwargs)
            except SQLAlchemyError:
                log.warning("%s failed on a database error; shown without it", function.__name__, exc_info=True)
                rollback_quietly()
                return default

        return wrapper

    return decorate
