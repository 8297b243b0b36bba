"""The shop front's blueprint ("storefront") and the home page. Products and producers have their own route
modules, which the package imports (shop/storefront/__init__.py) so that their routes join this blueprint."""

from __future__ import annotations

from flask import Blueprint, render_template

from shop.core.clock import shop_today
from shop.core.page_cache import shared_page
from shop.packages.templating import visitor_sees_prices_excl_vat
from shop.storefront.home_queries import get_home_page
from shop.storefront.map_markup import map_overlay

bp = Blueprint("storefront", __name__)
bp.add_app_template_global(map_overlay, "map_overlay")


@bp.get("/")
@shared_page
def home():
    from shop.core.clock import shop_now
    from shop.core.settings import get_settings
    from shop.scheduling.days import delivery_days, pickup_days

    now = shop_now()
    pickups, deliveries = pickup_days(now), delivery_days(now)
    return render_template(
        "storefront/home.html",
        page=get_home_page(shop_today(), with_package_components=visitor_sees_prices_excl_vat()),
        first_pickup=pickups[0] if pickups else None,
        first_delivery=deliveries[0] if deliveries else None,
        order_cutoff=get_settings().order_cutoff,
    )
