"""The producer portal (/portaal): views and forms only; the rules live in the domain modules.

The routes are split by noun over product_views, supply_views (CSV, quick edit) and week_views; this module
holds the blueprint (its menu is in templating.py).
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("portal", __name__)
