"""Carts nobody will come back to: removed by the scheduler's cleaning job (shop.operations)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select

from shop.cart.models import Cart, CartLine
from shop.extensions import db

# An empty cart is made by every first visit that touches the cart; after a day it holds nothing of value.
EMPTY_CART_KEPT = timedelta(days=1)
# A visitor's cart with lines is kept for two months after its last change (a returning visitor finds it).
ABANDONED_CART_KEPT = timedelta(days=60)


def delete_stale_carts(now: datetime) -> int:
    """Delete empty carts untouched for a day and anonymous carts untouched for 60 days (their lines go with
    them); a customer's cart is kept. Returns how many carts went. Never commits."""
    has_lines = exists(select(CartLine.id).where(CartLine.cart_id == Cart.id))
    stale = select(Cart.id).where(
        ((~has_lines) & (Cart.updated_at < now - EMPTY_CART_KEPT))
        | (has_lines & Cart.user_id.is_(None) & (Cart.updated_at < now - ABANDONED_CART_KEPT))
    )
    ids = list(db.session.scalars(stale))
    if not ids:
        return 0
    db.session.execute(delete(CartLine).where(CartLine.cart_id.in_(ids)).execution_options(synchronize_session=False))
    db.session.execute(delete(Cart).where(Cart.id.in_(ids)).execution_options(synchronize_session=False))
    return len(ids)
