"""Template helpers shared by every page: translated catalogue texts, image URLs, numbers, VAT numbers, the shop's
settings."""

from __future__ import annotations

from babel.numbers import format_decimal
from flask import Flask, url_for

from shop.core.facets import facet_view, tree_facet_view
from shop.core.i18n import current_language
from shop.core.settings import get_settings
from shop.core.vat_number import format_vat_number


def tr(obj, field: str = "name") -> str:
    """A catalogue text in the visitor's language, falling back to Dutch."""
    return obj.t(field, current_language()) if obj is not None else ""


def image_url(path: str | None, fallback: str = "img/placeholder.svg") -> str:
    """URL of a stored image: ``static/...`` keys are bundled files, others live in the media storage."""
    if not path:
        return url_for("static", filename=fallback)
    if path.startswith("static/"):
        return url_for("static", filename=path[len("static/"):])
    return url_for("core.media", filename=path)


def format_number(value: float) -> str:
    """A number in the visitor's language, at most two decimals: ``1,5`` (nl, fr), ``1.5`` (en)."""
    return format_decimal(value, format="#,##0.##", locale=current_language())


def shop_settings():
    """The shop's delivery and pickup settings, for notes beside add-to-cart buttons and in the cart."""
    return get_settings()


def vat_number(value: str | None) -> str:
    """A normalised Belgian VAT number as printed: BE0123456749 → BE 0123.456.749 (anything else as it is)."""
    return format_vat_number(value) if value and value.startswith("BE") and len(value) == 12 else (value or "")


def init_app(app: Flask) -> None:
    app.jinja_env.filters["tr"] = tr
    app.jinja_env.filters["vat_number"] = vat_number
    app.jinja_env.globals["image_url"] = image_url
    app.jinja_env.globals["format_percent"] = format_number
    app.jinja_env.globals["shop_settings"] = shop_settings
    app.jinja_env.globals["facet_view"] = facet_view
    app.jinja_env.globals["tree_facet_view"] = tree_facet_view
