"""Template helpers shared by every page: translated catalogue texts, image URLs, numbers, VAT numbers, the shop's
settings."""

from __future__ import annotations

from babel.numbers import format_decimal
from flask import Flask, current_app, url_for
from flask.globals import _cv_request

from shop.core.facets import facet_view, tree_facet_view
from shop.core.i18n import current_language
from shop.core.settings import get_settings
from shop.core.vat_number import format_vat_number


def tr(obj, field: str = "name") -> str:
    """A catalogue text in the visitor's language, falling back to Dutch."""
    return obj.t(field, current_language()) if obj is not None else ""


def links_context() -> tuple | None:
    """What a path built by ``url_for`` in this request depends on besides its endpoint and values: the URL adapter's
    script root, host, subdomain and scheme; None outside a request. The key of markup that holds links and is kept
    between requests (``UrlMemo``, the map's markers)."""
    context = _cv_request.get(None)
    adapter = context.url_adapter if context is not None else None
    if adapter is None:
        return None
    return (adapter.script_name, adapter.server_name, adapter.subdomain, adapter.url_scheme)


class _Unkeyed(Exception):
    """A value the memo of URLs does not key on (the URL is built as usual)."""


def _frozen(value):
    # The type is part of the key where the text of two equal values differs (True == 1, but "True" != "1").
    kind = type(value)
    if kind is str:
        return value
    if kind is int or value is None:
        return (kind, value)
    if (kind is list or kind is tuple) and all(type(item) is str for item in value):
        return (kind, tuple(value))
    raise _Unkeyed


class UrlMemo:
    """``url_for`` for pages, each URL built once per process: a catalogue page builds hundreds (a link per card,
    filter and page number, an image per card), and Werkzeug builds each one anew.

    Only a URL that is a pure function of what the key holds is remembered: a path (no ``_external``, ``_scheme``,
    ``_anchor`` or ``_method``, no endpoint relative to the blueprint) in a request, keyed by the request's URL
    adapter (script root, host, subdomain, scheme), the endpoint and the values in their order (the query string
    follows it) with their types. The URL map and the URL defaults (the static files' fingerprints) do not change
    while the app runs; in debug mode, where a static file's fingerprint follows the file, nothing is remembered.
    Anything else, and any error, is ``app.url_for``'s own."""

    MAX_URLS = 100_000

    def __init__(self, app: Flask):
        self.build = app.url_for
        self.urls: dict[tuple, str] = {}

    def __call__(self, endpoint: str, /, **values) -> str:
        if endpoint[:1] == "." or "_external" in values or "_scheme" in values or "_anchor" in values \
                or "_method" in values:
            return self.build(endpoint, **values)
        links = links_context()
        if links is None:
            return self.build(endpoint, **values)
        try:
            key = (*links, endpoint, *[(name, _frozen(value)) for name, value in values.items()])
        except _Unkeyed:
            return self.build(endpoint, **values)
        url = self.urls.get(key)
        if url is None:
            url = self.build(endpoint, **values)
            if len(self.urls) >= self.MAX_URLS:
                self.urls.clear()
            self.urls[key] = url
        return url


def page_url_for(endpoint: str, /, **values) -> str:
    """``url_for`` through the app's memo of URLs (see ``UrlMemo``), for helpers that build many links."""
    memo = current_app.extensions.get("url_memo")
    return memo(endpoint, **values) if memo is not None else url_for(endpoint, **values)


def image_url(path: str | None, fallback: str = "img/placeholder.svg") -> str:
    """URL of a stored image: ``static/...`` keys are bundled files, others live in the media storage."""
    if not path:
        return page_url_for("static", filename=fallback)
    if path.startswith("static/"):
        return page_url_for("static", filename=path[len("static/"):])
    return page_url_for("core.media", filename=path)


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
    if not app.debug:
        memo = app.extensions["url_memo"] = UrlMemo(app)
        app.jinja_env.globals["url_for"] = memo
    app.jinja_env.filters["tr"] = tr
    app.jinja_env.filters["vat_number"] = vat_number
    app.jinja_env.globals["image_url"] = image_url
    app.jinja_env.globals["format_percent"] = format_number
    app.jinja_env.globals["shop_settings"] = shop_settings
    app.jinja_env.globals["facet_view"] = facet_view
    app.jinja_env.globals["tree_facet_view"] = tree_facet_view
