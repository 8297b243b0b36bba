"""The one-button actions of the portal and the back office (hide, archive, deactivate, ...): run the service,
commit, and tell the user how it went."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash

from shop.core.db import db
from shop.core.errors import DomainError


def run_and_flash(service: Callable, subject, *, by, success: Callable[[object], str]) -> bool:
    """``service(subject, by=by)``, then commit and flash ``success(subject)``; a broken rule (a DomainError)
    is rolled back and its message flashed as an error instead. Whether the action went through."""
    try:
        service(subject, by=by)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return False
    flash(success(subject), "success")
    return True
