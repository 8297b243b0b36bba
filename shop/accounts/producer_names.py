"""The name of the producer a producer user works for, without accounts knowing producers.

A user keeps only ``producer_id`` (the producers live in shop.catalog, a layer above). The catalog tells
accounts how to name a producer once (``set_lookup``, from create_app); accounts asks it for the
invitation page and the personal-data export.
"""

from __future__ import annotations

from collections.abc import Callable

from shop.accounts.models import User

_lookup: Callable[[int], str | None] | None = None


def set_lookup(lookup: Callable[[int], str | None]) -> None:
    """Register (or replace) how a producer's name is read from its id."""
    global _lookup
    _lookup = lookup


def producer_name(user: User) -> str | None:
    """The name of the user's producer; None for a user without one."""
    if user.producer_id is None:
        return None
    if _lookup is None:
        raise RuntimeError("No producer name lookup: create_app connects the catalog to accounts")
    return _lookup(user.producer_id)
