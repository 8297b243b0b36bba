"""Template helpers of the producer portal: its menu and the signed-in user's producer."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from shop.portal.current import current_producer

# (endpoint, label) of the portal's menu.
NAVIGATION = [
    ("portal.dashboard", _l("Overzicht")),
    ("portal.week", _l("Deze week")),
    ("portal.product_list", _l("Mijn producten")),
    ("portal.quick_edit", _l("Snel aanpassen")),
    ("portal.csv", _l("Importeren en exporteren")),
    ("portal.statements", _l("Afrekeningen")),
    ("portal.profile", _l("Mijn bedrijf")),
]


def portal_navigation() -> list[tuple[str, str]]:
    return list(NAVIGATION)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["portal_navigation"] = portal_navigation
    app.jinja_env.globals["current_producer"] = current_producer
