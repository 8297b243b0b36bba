"""Which days an order can be picked up or delivered, from the shop's settings.

- Lead time counts calendar days from today; an order placed at or after the cut-off hour counts from
  tomorrow. The first feasible day is then the first opening (or delivery) weekday that is not a closed date.
- Days can be chosen up to ``booking_horizon_days`` after today (inclusive).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from shop.core.clock import SHOP_TIMEZONE, shop_now
from shop.core.settings import ShopSettings, get_settings


def _local(now: datetime) -> datetime:
    """``now`` in Belgian time; a naive datetime is taken to be Belgian time already."""
    return now.astimezone(SHOP_TIMEZONE) if now.tzinfo else now


def _closed(settings: ShopSettings) -> set[date]:
    return {date.fromisoformat(d) for d in settings.closed_dates}


def _days(now: datetime, weekdays: tuple[int, ...], lead_time_days: int, settings: ShopSettings) -> list[date]:
    local = _local(now)
    today = local.date()
    start = today + timedelta(days=lead_time_days + (1 if local.time() >= settings.order_cutoff else 0))
    last = today + timedelta(days=settings.booking_horizon_days)
    closed = _closed(settings)
    days = []
    day = start
    while day <= last:
        if day.weekday() in weekdays and day not in closed:
            days.append(day)
        day += timedelta(days=1)
    return days


def pickup_days(now: datetime | None = None, settings: ShopSettings | None = None) -> list[date]:
    """Days on which an order placed at ``now`` can be picked up at the Groot Vleeshuis, first feasible first."""
    settings = settings or get_settings()
    return _days(now or shop_now(), settings.pickup_weekdays, settings.lead_time_days, settings)


def delivery_days(now: datetime | None = None, settings: ShopSettings | None = None) -> list[date]:
    """Days on which the courier can deliver an order placed at ``now``, first feasible first."""
    settings = settings or get_settings()
    return _days(now or shop_now(), settings.delivery_weekdays, settings.delivery_lead_time_days, settings)
