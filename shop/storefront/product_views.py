"""The products list (``/producten``) and the product page (``/producten/<slug>``), on the catalog blueprint.

Also registers the template helpers the product card and page use (``stock_status``, ``in_season_now``,
``season_ranges``, ``net_quantity``, ``shop_today``), so that other pages including
``catalog/_product_card.html`` get them too.
"""

from __future__ import annotations

from babel.numbers import format_decimal
from flask import abort, current_app, render_template, request
from flask_babel import gettext, ngettext

from shop.catalog.models import NetUnit, Product
from shop.catalog.product_filters import SORT_LABELS, parse_filters
from shop.catalog.product_queries import (
    StockLevel,
    get_product_for_page,
    list_more_from_producer,
    list_products,
    season_ranges,
    stock_level,
    vat_rate_for,
)
from shop.core.clock import shop_today
from shop.core.i18n import current_language
from shop.packages.queries import search_packages
from shop.storefront.views import bp


@bp.get("/producten")
def product_list():
    filters = parse_filters(
        request.args,
        per_page=current_app.config["PRODUCTS_PER_PAGE"],
        max_per_page=current_app.config["MAX_PRODUCTS_PER_PAGE"],
    )
    listing = list_products(filters, today=shop_today())
    # A search also looks through the gift packages (on the first page only), so "kerst" finds the hampers.
    package_cards, package_matches = ([], 0)
    if listing.filters.terms and listing.filters.page == 1:
        package_cards, package_matches = search_packages(listing.filters.query)
    return render_template(
        "catalog/product_list.html", listing=listing, filters=listing.filters, sort_labels=SORT_LABELS,
        package_cards=package_cards, package_matches=package_matches,
    )


@bp.get("/producten/<slug>")
def product_detail(slug: str):
    product = get_product_for_page(slug)
    if product is None:
        abort(404)
    today = shop_today()
    return render_template(
        "catalog/product_detail.html",
        product=product,
        vat_rate=vat_rate_for(product, today),
        more_products=list_more_from_producer(product),
    )


# --- template helpers -----------------------------------------------------------------------------------


class StockStatus:
    def __init__(self, level: StockLevel, label: str):
        self.level = level
        self.label = label


@bp.app_template_global()
def stock_status(product: Product) -> StockStatus:
    """The stock line of a card or page: ``Op voorraad``, ``Nog 3 beschikbaar``, ``Uitverkocht``."""
    level = stock_level(product.stock)
    if level == StockLevel.OUT:
        label = gettext("Uitverkocht")
    elif level == StockLevel.LOW:
        label = ngettext("Nog %(num)d beschikbaar", "Nog %(num)d beschikbaar", product.stock)
    else:
        label = gettext("Op voorraad")
    return StockStatus(level, label)


@bp.app_template_global()
def in_season_now(product: Product) -> bool:
    """A seasonal product (not sold all year) that is in season today: it earns the season badge."""
    return not product.is_all_year and product.in_season(shop_today())


@bp.app_template_global("season_ranges")
def season_ranges_global(product: Product) -> list[tuple[int, int]]:
    return season_ranges(product.season_mask)


def _number(value: float) -> str:
    return format_decimal(value, format="#,##0.##", locale=current_language())


@bp.app_template_global()
def net_quantity(product: Product) -> str:
    """The net quantity as people read it: ``250 g``, ``1,5 kg``, ``75 cl``, ``1 l``, ``6 stuks``."""
    amount = product.net_quantity
    if not amount:
        return ""
    if product.net_unit == NetUnit.GRAM:
        return f"{_number(amount / 1000)} kg" if amount >= 1000 else f"{amount} g"
    if product.net_unit == NetUnit.MILLILITRE:
        if amount >= 1000:
            return f"{_number(amount / 1000)} l"
        return f"{amount // 10} cl" if amount % 10 == 0 else f"{amount} ml"
    return ngettext("%(num)d stuk", "%(num)d stuks", amount)


@bp.app_template_global()
def per_kg_unit(product: Product) -> str:
    """``/kg`` or ``/l``: what the unit price is per."""
    return "/l" if product.net_unit == NetUnit.MILLILITRE else "/kg"


@bp.app_template_global()
def format_percent(value: float) -> str:
    return _number(value)
