"""The producers directory with its map (``/producenten``) and the producer page, on the storefront blueprint."""

from __future__ import annotations

from flask import abort, render_template, request

from shop.catalog.producer_queries import get_producer_directory, get_producer_page, parse_producer_filters
from shop.core.page_cache import shared_page
from shop.storefront.views import bp


@bp.get("/producenten")
@shared_page
def producer_list():
    directory = get_producer_directory(parse_producer_filters(request.args))
    return render_template("storefront/producer_list.html", directory=directory, filters=directory.filters)


@bp.get("/producenten/<slug>")
@shared_page
def producer_detail(slug: str):
    page = get_producer_page(slug)
    if page is None:
        abort(404)
    return render_template("storefront/producer_detail.html", page=page, producer=page.producer)
