"""The producer portal (/portaal): views and forms only; the rules live in the domain modules.

The routes are split by noun over product_views, supply_views (CSV, quick edit) and week_views; this module
holds the blueprint, the dashboard and the navigation.
"""

from __future__ import annotations

from flask import Blueprint, current_app
from flask_babel import lazy_gettext as _l

bp = Blueprint("portal", __name__)

# (endpoint, label) of the portal's menu; entries whose route does not exist are left out.
NAVIGATION = [
    ("portal.dashboard", _l("Overzicht")),
    ("portal.week", _l("Deze week")),
    ("portal.product_list", _l("Mijn producten")),
    ("portal.quick_edit", _l("Snel aanpassen")),
    ("portal.csv", _l("Importeren en exporteren")),
    ("portal.statements", _l("Afrekeningen")),
    ("portal.profile", _l("Mijn bedrijf")),
]


@bp.app_template_global()
def portal_navigation() -> list[tuple[str, str]]:
    return [(endpoint, label) for endpoint, label in NAVIGATION if endpoint in current_app.view_functions]
