"""Who may see and change what: the one place that decides, used by every portal and back-office route."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from shop.accounts.models import Role
from shop.extensions import login_manager


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
