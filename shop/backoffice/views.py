"""The staff back office (/beheer): views and forms only; the rules live in the domain modules.

The routes are split by noun over the ``*_views.py`` modules of this package; this module holds the
blueprint and the menu. Every route is guarded by ``staff_required`` (or ``admin_required`` where noted).
"""

from __future__ import annotations

from flask import Blueprint, current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from shop.accounts.models import Role

bp = Blueprint("backoffice", __name__)

# (endpoint, label, admin only) of the back office's menu; entries whose route does not exist are left out.
NAVIGATION = [
    ("backoffice.dashboard", _l("Overzicht"), False),
    ("backoffice.order_list", _l("Bestellingen"), False),
    ("backoffice.pick_list", _l("Picklijst"), False),
    ("backoffice.purchase_lists", _l("Inkooplijsten"), False),
    ("backoffice.shortage_list", _l("Tekorten"), False),
    ("backoffice.package_list", _l("Pakketten"), False),
    ("backoffice.review_queue", _l("Te keuren"), False),
    ("backoffice.stock_list", _l("Voorraad"), False),
    ("backoffice.reports", _l("Rapporten"), False),
    ("backoffice.producer_list", _l("Producenten"), True),
    ("backoffice.user_list", _l("Medewerkers"), True),
]


@bp.app_template_global()
def backoffice_navigation() -> list[tuple[str, str]]:
    is_admin = getattr(current_user, "role", None) == Role.ADMIN
    return [
        (endpoint, label)
        for endpoint, label, admin_only in NAVIGATION
        if endpoint in current_app.view_functions and (is_admin or not admin_only)
    ]


@bp.app_template_global()
def has_endpoint(endpoint: str) -> bool:
    """Whether a route exists (templates link to pages of other back-office areas only when they exist)."""
    return endpoint in current_app.view_functions
