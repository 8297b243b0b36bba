"""The province map's markers and town names as markup, rendered once per map (``map_overlay``, a template global).

The directory draws a marker per producer (hundreds, each a link with its name and coordinates), on every page and in
every language, from the same map: ``build_province_map`` remembers its maps by their arguments' content and returns
the same object for the same content, which must not change. The markers and town names hold no text of the
visitor's language, so their markup is a function of that map, whether it is compact, and the links' script root
and host; it is kept per map object (held with it, so that its id is never another map's) for as long as the map is
among the last ones drawn, in the app's own memo (``app.extensions``: an app with other routes builds other links).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from flask import current_app
from markupsafe import Markup

from shop.catalog.map import ProvinceMap
from shop.core.templating import links_context

TEMPLATE = "storefront/_map_overlay.html"
MAX_KEPT = 64

_lock = threading.Lock()


def map_overlay(geometry: ProvinceMap, compact: bool) -> Markup:
    """The markup of ``geometry``'s markers (links to the producers' pages unless ``compact``) and town names."""
    links = links_context()
    if links is None or current_app.jinja_env.auto_reload:  # templates reloaded when changed (debug): none kept
        return _render(geometry, compact)
    key = (id(geometry), bool(compact), *links)
    kept: OrderedDict[tuple, tuple[ProvinceMap, Markup]] = current_app.extensions.setdefault("map_overlays",
                                                                                             OrderedDict())
    with _lock:
        hit = kept.get(key)
        if hit is not None and hit[0] is geometry:
            kept.move_to_end(key)
            return hit[1]
    markup = _render(geometry, compact)
    with _lock:
        kept[key] = (geometry, markup)
        while len(kept) > MAX_KEPT:
            kept.popitem(last=False)
    return markup


def _render(geometry: ProvinceMap, compact: bool) -> Markup:
    return Markup(current_app.jinja_env.get_template(TEMPLATE).render(geometry=geometry, compact=compact))
