"""Consumer catalogue: the blueprint and the home page. Products and producers have their own modules,
imported at the bottom so that their routes register on this blueprint."""

from __future__ import annotations

import os
from functools import lru_cache

from flask import Blueprint, current_app, render_template

from shop.core.clock import shop_today
from shop.storefront.home_queries import get_home_page

bp = Blueprint("catalog", __name__)


@bp.get("/")
def home():
    from shop.core.clock import shop_now
    from shop.core.settings import get_settings
    from shop.scheduling.days import delivery_days, pickup_days

    now = shop_now()
    pickups, deliveries = pickup_days(now), delivery_days(now)
    return render_template(
        "catalog/home.html",
        page=get_home_page(shop_today()),
        first_pickup=pickups[0] if pickups else None,
        first_delivery=deliveries[0] if deliveries else None,
        order_cutoff=get_settings().order_cutoff,
    )


@lru_cache(maxsize=256)
def _bundled(static_folder: str, filename: str) -> bool:
    return os.path.isfile(os.path.join(static_folder, filename))


@bp.app_template_global()
def category_illustration(category) -> str | None:
    """The storage key of a category's bundled illustration (``static/img/catalog/<name>.svg``), or None
    when the category names none or the file is not there (no broken images)."""
    if not category.illustration:
        return None
    filename = f"img/catalog/{category.illustration}.svg"
    return f"static/{filename}" if _bundled(current_app.static_folder, filename) else None
