"""Template helpers of the back office: its menu and how it writes a moment."""

from __future__ import annotations

from flask import Flask
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from flask_login import current_user

# (endpoint, label, admin only) of the back office's menu.
NAVIGATION = [
    ("backoffice.dashboard", _l("Overzicht"), False),
    ("backoffice.order_list", _l("Bestellingen"), False),
    ("backoffice.transfer_list", _l("Overschrijvingen"), False),
    ("backoffice.pick_list", _l("Picklijst"), False),
    ("backoffice.purchase_lists", _l("Inkooplijsten"), False),
    ("backoffice.shortage_list", _l("Tekorten"), False),
    ("backoffice.package_list", _l("Pakketten"), False),
    ("backoffice.review_queue", _l("Te keuren"), False),
    ("backoffice.stock_list", _l("Voorraad"), False),
    ("backoffice.slot_list", _l("Tijdsloten"), False),
    ("backoffice.reports", _l("Rapporten"), False),
    ("backoffice.producer_list", _l("Producenten"), True),
    ("backoffice.user_list", _l("Medewerkers"), True),
]


def backoffice_navigation() -> list[tuple[str, str]]:
    """The menu entries the signed-in user may open (the admin-only ones for admins)."""
    is_admin = getattr(current_user, "is_admin", False)
    return [(endpoint, label) for endpoint, label, admin_only in NAVIGATION if is_admin or not admin_only]


def when(value) -> str:
    """A moment as staff read it everywhere in the back office: "6 dec. 2026 17:45" (empty when there is none)."""
    return format_datetime(value, "d MMM yyyy HH:mm") if value else ""


def init_app(app: Flask) -> None:
    app.jinja_env.globals["backoffice_navigation"] = backoffice_navigation
    app.jinja_env.globals["when"] = when
