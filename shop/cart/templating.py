"""Template helpers of the cart: the header's item count and the largest quantity of a line."""

from __future__ import annotations

from flask import Flask, current_app, g

from shop.cart.services import MAX_LINE_QUANTITY, count_items
from shop.cart.views import CART_COOKIE, cart_token
from shop.core.database_errors import fail_soft
from shop.core.i18n import current_language
from shop.core.page_cache import Visit, per_visitor


@fail_soft(None)
def cart_item_count() -> int | None:
    """Items in the visitor's cart for the header: one small query, none without a cookie. None when the
    database cannot tell (the header then shows the cart without a number)."""
    if "cart_item_count" not in g:
        g.cart_item_count = count_items(cart_token())
    return g.cart_item_count


@fail_soft(None)
def _count(token: str | None) -> int | None:
    return count_items(token)


_badges: dict[tuple[str, int | None], str] = {}


def cart_count_badge() -> str:
    """The header's count for this visitor: a part of the layout that a page served from the cache never holds
    (shop.core.page_cache), so it is read afresh for every page (no query without a cart cookie). The markup for
    a language and a count is rendered once per process."""
    key = (current_language(), _count(cart_token()))
    badge = _badges.get(key)
    if badge is None:
        if len(_badges) > 1000:
            _badges.clear()
        badge = _badges[key] = current_app.jinja_env.get_template("cart/_cart_count.html").render(cart_count=key[1])
    return badge


def fast_cart_count_badge(visit: Visit) -> str | None:
    """``cart_count_badge`` for the page cache's fast path (no Flask request): the same count from the same cart
    cookie (no query without one; with one, the same small query as a page through Flask, in an app context of
    its own), and the markup rendered earlier for that language and count (None, so Flask renders it, when this
    process has not rendered it yet)."""
    token = visit.cookies.get(CART_COOKIE) or None
    if token is None:
        count = 0  # count_items without a token: no query
    else:
        with visit.app.app_context():
            count = _count(token)
    return _badges.get((visit.language, count))


def init_app(app: Flask) -> None:
    app.jinja_env.globals["cart_item_count"] = cart_item_count
    per_visitor(app, "cart_count", cart_count_badge, fast=fast_cart_count_badge)

    @app.before_request
    def forget_the_last_requests_cart():
        # g lives as long as its app context: one per request when served, but a caller that keeps an app
        # context open (the tests, a CLI command) would otherwise see the previous request's cart and count.
        g.pop("cart", None)
        g.pop("cart_item_count", None)
    app.jinja_env.globals["cart_max_quantity"] = MAX_LINE_QUANTITY
