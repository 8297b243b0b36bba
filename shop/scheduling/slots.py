"""Which pickup slots a day has: wall-clock steps of ``pickup_slot_minutes`` within the opening hours.

Slots are local (Europe/Brussels) wall-clock times, as the customer reads them on the shop's clock. On the last
Sunday of March the hour 02:00–03:00 does not exist, so no slot starts in it; on the last Sunday of October the
hour 02:00–03:00 happens twice, and is still one slot (a slot is a wall-clock time, not an instant).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from shop.core.clock import SHOP_TIMEZONE
from shop.core.settings import ShopSettings, get_settings


def exists_locally(day: date, at: time) -> bool:
    """Whether the wall-clock time ``at`` happens on ``day`` in Belgium (not in the hour skipped in March)."""
    local = datetime.combine(day, at, tzinfo=SHOP_TIMEZONE)
    return local.astimezone(UTC).astimezone(SHOP_TIMEZONE).replace(tzinfo=None) == local.replace(tzinfo=None)


def local_instant(day: date, at: time) -> datetime:
    """The moment (UTC) the wall-clock time ``at`` of ``day`` first happens in Belgium."""
    return datetime.combine(day, at, tzinfo=SHOP_TIMEZONE).astimezone(UTC)


def as_local(now: datetime) -> datetime:
    """``now`` with its zone; a naive datetime is taken to be Belgian time (as shop.scheduling.days does)."""
    return now if now.tzinfo else now.replace(tzinfo=SHOP_TIMEZONE)


def pickup_hours(day: date, settings: ShopSettings | None = None) -> list[tuple[time, time]]:
    """(start, end) of each pickup slot of ``day``, in wall-clock time, from opening to closing time.

    A slot whose start does not exist that day (the skipped hour in March) is left out; the last slot ends at
    closing time. Whether ``day`` is an opening day at all is shop.scheduling.days.
    """
    settings = settings or get_settings()
    step = timedelta(minutes=settings.pickup_slot_minutes)
    opens = datetime.combine(day, settings.pickup_opens)
    closes = datetime.combine(day, settings.pickup_closes)
    if settings.pickup_closes == time(0, 0):
        closes += timedelta(days=1)  # open until midnight
    hours = []
    start = opens
    while start < closes:
        end = min(start + step, closes)
        if exists_locally(day, start.time()):
            hours.append((start.time(), end.time()))
        start = end
    return hours
