"""A stored moment is UTC, whichever database handed it back (SQLite without its zone, PostgreSQL with one)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from shop.core.clock import as_utc, shop_day


def test_a_moment_without_a_zone_is_read_as_utc():
    assert as_utc(datetime(2026, 12, 14, 23, 30)) == datetime(2026, 12, 14, 23, 30, tzinfo=UTC)


def test_a_moment_with_a_zone_keeps_it():
    moment = datetime(2026, 12, 15, 0, 30, tzinfo=timezone(timedelta(hours=1)))
    assert as_utc(moment) is moment


@pytest.mark.parametrize(("stored", "day"), [
    (datetime(2026, 12, 14, 22, 59), date(2026, 12, 14)),  # 23:59 in Brussels (winter, UTC+1)
    (datetime(2026, 12, 14, 23, 30), date(2026, 12, 15)),  # 00:30 in Brussels: the next day
    (datetime(2026, 12, 14, 23, 30, tzinfo=UTC), date(2026, 12, 15)),  # the same moment from PostgreSQL
    (datetime(2026, 6, 14, 22, 30), date(2026, 6, 15)),  # 00:30 in Brussels (summer, UTC+2)
    (datetime(2026, 6, 14, 21, 59), date(2026, 6, 14)),
])
def test_the_shop_day_of_a_stored_moment_is_the_day_in_belgium(stored, day):
    assert shop_day(stored) == day
