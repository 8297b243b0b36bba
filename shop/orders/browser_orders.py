"""The orders placed in this browser, kept in its (signed) session: the proof that the browser asking about an
order found by a payment session id is the one that checked out.

A payment session id is no such proof: it travels in URLs (the provider's return link, browser history, logs,
the Referer of a page opened from there), so a page that finds an order by it shows that order (or its
status page, behind the secret link) only to this browser, or to the logged-in customer whose order it is.
The session cookie is signed, so no other browser can claim an order; it keeps the newest orders only.
"""

from __future__ import annotations

from flask import session
from flask_login import current_user

from shop.orders.models import Order

SESSION_KEY = "placed_orders"
KEEP = 10  # the newest orders placed in this browser: the session cookie stays small


def _placed_ids() -> list[int]:
    ids = session.get(SESSION_KEY)
    return [value for value in ids if isinstance(value, int)] if isinstance(ids, list) else []


def remember_placed(order: Order) -> None:
    """Remember that ``order`` was placed in this browser (the checkout calls it once the order is committed)."""
    ids = [value for value in _placed_ids() if value != order.id]
    session[SESSION_KEY] = [*ids, order.id][-KEEP:]


def is_placed_here(order: Order) -> bool:
    """Whether ``order`` was placed in this browser, or belongs to the customer logged in here."""
    if order.id in _placed_ids():
        return True
    return bool(current_user and current_user.is_authenticated and order.user_id is not None
                and order.user_id == current_user.id)
