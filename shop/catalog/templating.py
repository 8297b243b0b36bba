"""Template helpers for products and categories, on every page that shows a product card or page.

``stock_status``, ``in_season_now``, ``season_ranges``, ``net_quantity``, ``net_quantity_note``, ``per_kg_unit``
and ``category_illustration``; create_app registers them with ``init_app``.
"""

from __future__ import annotations

import os
from functools import lru_cache

from flask import Flask, current_app

from shop.catalog.models import NetUnit, Product
from shop.catalog.product_queries import StockLevel, season_ranges, stock_level
from shop.catalog.quantities import stated_net_quantity, unit_repeats_net_quantity
from shop.core.clock import shop_today
from shop.core.i18n import gettext, ngettext
from shop.core.templating import format_number, tr


class StockStatus:
    def __init__(self, level: StockLevel, label: str):
        self.level = level
        self.label = label


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


def in_season_now(product: Product) -> bool:
    """A seasonal product (not sold all year) that is in season today: it earns the season badge."""
    return not product.is_all_year and product.in_season(shop_today())


def product_season_ranges(product: Product) -> list[tuple[int, int]]:
    return season_ranges(product.season_mask)


def net_quantity(product: Product) -> str:
    """The net quantity as people read it: ``250 g``, ``1,5 kg``, ``75 cl``, ``1 l``, ``6 stuks``; in the
    words of the product's unit when it states it (``720 ml``, not ``72 cl``), so a page says it one way."""
    amount = product.net_quantity
    if not amount:
        return ""
    stated = stated_net_quantity(tr(product, "unit"), amount, product.net_unit)
    if stated:
        return stated
    if product.net_unit == NetUnit.GRAM:
        return f"{format_number(amount / 1000)} kg" if amount >= 1000 else f"{amount} g"
    if product.net_unit == NetUnit.MILLILITRE:
        if amount >= 1000:
            return f"{format_number(amount / 1000)} l"
        return f"{amount // 10} cl" if amount % 10 == 0 else f"{amount} ml"
    return ngettext("%(num)d stuk", "%(num)d stuks", amount)


def net_quantity_note(product: Product) -> str:
    """The net quantity to show beside the unit ("6 x 33 cl" · "1,98 l"), or "" when the unit says it already
    ("720 ml", "ca. 500 g", "per stuk (200 g)") or it is a count of pieces."""
    if unit_repeats_net_quantity(tr(product, "unit"), product.net_quantity, product.net_unit):
        return ""
    return net_quantity(product)


def per_kg_unit(product: Product) -> str:
    """``/kg`` or ``/l``: what the unit price is per."""
    return "/l" if product.net_unit == NetUnit.MILLILITRE else "/kg"


@lru_cache(maxsize=256)
def _bundled(static_folder: str, filename: str) -> bool:
    return os.path.isfile(os.path.join(static_folder, filename))


def category_illustration(category) -> str | None:
    """The storage key of a category's bundled illustration (``static/img/catalog/<name>.svg``), or None
    when the category names none or the file is not there (no broken images)."""
    if not category.illustration:
        return None
    filename = f"img/catalog/{category.illustration}.svg"
    return f"static/{filename}" if _bundled(current_app.static_folder, filename) else None


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        stock_status=stock_status,
        in_season_now=in_season_now,
        season_ranges=product_season_ranges,
        net_quantity=net_quantity,
        net_quantity_note=net_quantity_note,
        per_kg_unit=per_kg_unit,
        category_illustration=category_illustration,
    )
