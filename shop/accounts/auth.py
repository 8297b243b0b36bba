"""Who is signed in, and who may see and change what: the one place that decides, used by every portal and
back-office route.

Sessions are revoked through the database, not a process: the session cookie holds ``User.get_id()``, the
user's id with their ``session_version``, and ``load_user`` turns a cookie whose version is no longer the
user's into an anonymous visitor. ``accounts.services.end_sessions`` raises the version (new password,
log-out, deletion; ``staff_admin`` on deactivation and role changes), which every web instance sees at the
next request.
"""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from shop.accounts.models import Role, User
from shop.core import database_errors
from shop.core.ids import parse_id
from shop.extensions import db, login_manager


def load_user(token: str):
    """Flask-Login's user loader: the user of a session's ``"<id>:<version>"``, or None (anonymous) when the
    token is malformed (also a bare id from before versions), the user is gone, or the version is not the
    user's current one any more (the session was ended by a new password, a log-out, ...)."""
    user_id, _, version = (token or "").partition(":")
    key = parse_id(user_id)
    if key is None or not (version.isascii() and version.isdigit()) or len(version) > 9:
        return None
    try:
        user = db.session.get(User, key)
    except SQLAlchemyError:
        if not database_errors.is_error_page():
            raise
        # Flask-Login reads the user for every template: an error page is shown as to a visitor rather than not
        # at all.
        database_errors.rollback_quietly()
        return None
    if user is None or user.session_version != int(version):
        return None
    return user


def roles_required(*roles: Role):
    """Route decorator: anonymous visitors go to the log-in page; signed-in users without the role get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            if Role.PRODUCER in roles and current_user.role == Role.PRODUCER and current_user.producer_id is None:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


producer_required = roles_required(Role.PRODUCER)
staff_required = roles_required(Role.STAFF, Role.ADMIN)
admin_required = roles_required(Role.ADMIN)


def can_manage_producer_data(user, producer_id: int | None) -> bool:
    """A producer user manages only its own producer's data; staff and admins manage every producer's."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role in (Role.STAFF, Role.ADMIN):
        return True
    return user.role == Role.PRODUCER and producer_id is not None and user.producer_id == producer_id


def require_producer_data(user, producer_id: int | None) -> None:
    """404 (not 403: do not reveal that another producer's object exists) unless the user may manage it."""
    if not can_manage_producer_data(user, producer_id):
        abort(404)
