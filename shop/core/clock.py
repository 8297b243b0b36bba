"""The shop's notion of "today" (the calendar day in Belgium) and of a stored moment (always UTC)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

SHOP_TIMEZONE = ZoneInfo("Europe/Brussels")


def shop_now() -> datetime:
    """Now in Belgium (cut-off hours, pickup days)."""
    return datetime.now(SHOP_TIMEZONE)


def shop_today() -> date:
    """Today in Belgium (what "in season now" and today's VAT rate mean)."""
    return datetime.now(SHOP_TIMEZONE).date()


def as_utc(moment: datetime) -> datetime:
    """A stored moment with its zone: every stored datetime is UTC, and SQLite hands it back without one."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def shop_day(moment: datetime) -> date:
    """The calendar day in Belgium of a stored moment (a payment at 23:30 UTC in winter is the next day)."""
    return as_utc(moment).astimezone(SHOP_TIMEZONE).date()
