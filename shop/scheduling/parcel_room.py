"""SEAM (company gifts ↔ slots with capacity): how many parcels a delivery day still takes, and taking them.

The company-gift list checks every row's delivery day against ``delivery_room`` and the placing transaction
takes the parcels with ``take_parcel_room``. Until the delivery days have a capacity (slots, issue 13 part 1)
every feasible delivery day has unlimited room (None) and taking room always succeeds: connect both functions
to the slots' capacity (a read of what is left per day; a conditional update per day in the caller's
transaction that raises ``NoParcelRoom`` when a day is full) and the gift orders follow without a change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from flask_babel import lazy_gettext as _l

from shop.core.errors import DomainError


class NoParcelRoom(DomainError):
    """A delivery day cannot take that many more parcels; ``day`` names it."""

    def __init__(self, day: date, wanted: int, room: int):
        super().__init__(_l("Op %(day)s kunnen we nog %(room)s pakketten leveren, niet %(wanted)s."),
                         day=day.isoformat(), room=room, wanted=wanted)
        self.day = day
        self.wanted = wanted
        self.room = room


def delivery_room(days: Iterable[date]) -> dict[date, int | None]:
    """How many parcels each of ``days`` can still take; None: no limit. (Seam: no capacity yet.)"""
    return {day: None for day in days}


def take_parcel_room(parcels_per_day: Mapping[date, int]) -> None:
    """Take room for ``parcels_per_day`` in the caller's transaction, all days or none (the caller rolls back on
    NoParcelRoom). (Seam: no capacity yet, so nothing to take.)"""
    return None
