"""The shop's notion of "today": the calendar day in Belgium."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

SHOP_TIMEZONE = ZoneInfo("Europe/Brussels")


def shop_now() -> datetime:
    """Now in Belgium (cut-off hours, pickup days)."""
    return datetime.now(SHOP_TIMEZONE)


def shop_today() -> date:
    """Today in Belgium (what "in season now" and today's VAT rate mean)."""
    return datetime.now(SHOP_TIMEZONE).date()
