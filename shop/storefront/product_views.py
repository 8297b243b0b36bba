"""The products list (``/producten``) and the product page (``/producten/<slug>``), on the storefront blueprint.

The template helpers of the product card and page (``stock_status``, ``net_quantity``, ...) are in
shop/catalog/templating.py.
"""

from __future__ import annotations

from flask import abort, current_app, render_template, request

from shop.catalog.product_filters import SORT_LABELS, parse_filters
from shop.catalog.product_queries import get_product_for_page, list_more_from_producer, list_products, vat_rate_for
from shop.core.clock import shop_today
from shop.core.page_cache import shared_page
from shop.packages.queries import search_packages
from shop.packages.templating import visitor_sees_prices_excl_vat
from shop.storefront.views import bp


@bp.get("/producten")
@shared_page
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
        package_cards, package_matches = search_packages(listing.filters.query,
                                                         with_components=visitor_sees_prices_excl_vat())
    return render_template(
        "storefront/product_list.html", listing=listing, filters=listing.filters, sort_labels=SORT_LABELS,
        package_cards=package_cards, package_matches=package_matches,
    )


@bp.get("/producten/<slug>")
@shared_page
def product_detail(slug: str):
    product = get_product_for_page(slug)
    if product is None:
        abort(404)
    today = shop_today()
    return render_template(
        "storefront/product_detail.html",
        product=product,
        vat_rate=vat_rate_for(product, today),
        more_products=list_more_from_producer(product),
    )
