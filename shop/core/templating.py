"""Template helpers shared by every page: translated catalogue texts and image URLs."""

from __future__ import annotations

from flask import Flask, url_for

from shop.core.i18n import current_language


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


def init_app(app: Flask) -> None:
    app.jinja_env.filters["tr"] = tr
    app.jinja_env.globals["image_url"] = image_url
