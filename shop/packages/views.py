"""Gift packages: list (``/pakketten``) and package page (``/pakketten/<slug>``)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from shop.core.i18n import current_language
from shop.core.page_cache import shared_page
from shop.packages.queries import get_package_page, list_packages, parse_package_filters
from shop.packages.templating import visitor_sees_prices_excl_vat

bp = Blueprint("packages", __name__)


@bp.get("")
@shared_page
def package_list():
    listing = list_packages(parse_package_filters(request.args), with_components=visitor_sees_prices_excl_vat())
    return render_template("packages/package_list.html", listing=listing, filters=listing.filters)


@bp.get("/<slug>")
@shared_page
def package_detail(slug: str):
    page = get_package_page(slug, locale=current_language())
    if page is None:
        abort(404)
    return render_template("packages/package_detail.html", page=page, package=page.package)
