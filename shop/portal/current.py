"""The producer of the signed-in producer user, for the portal's views and its layout."""

from __future__ import annotations

from flask_login import current_user

from shop.catalog.models import Producer
from shop.catalog.producer_queries import get_producer_of


def current_producer() -> Producer | None:
    """The signed-in user's producer (None for anyone else). Loaded once per request: the session's identity
    map answers the next calls without a query."""
    if not current_user.is_authenticated:
        return None
    return get_producer_of(current_user)
