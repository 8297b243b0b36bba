"""Pickup hours on the days the clocks change (Europe/Brussels), tested directly."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time

from shop.core.settings import DEFAULT_SETTINGS
from shop.scheduling.slots import exists_locally, local_instant, pickup_hours

SPRING_FORWARD = date(2027, 3, 28)  # last Sunday of March: 23 hours, 02:00–03:00 does not exist
FALL_BACK = date(2026, 10, 25)  # last Sunday of October: 25 hours, 02:00–03:00 happens twice
OPENING_HOURS = [(time(h), time(h + 1)) for h in range(10, 18)]


def test_an_ordinary_day_has_one_slot_per_opening_hour():
    assert pickup_hours(date(2026, 12, 22)) == OPENING_HOURS


def test_the_days_the_clocks_change_have_each_opening_hour_once():
    assert pickup_hours(SPRING_FORWARD) == OPENING_HOURS
    assert pickup_hours(FALL_BACK) == OPENING_HOURS


def test_opening_hours_start_at_the_right_moment_on_the_days_the_clocks_change():
    # Summer time (UTC+2) from 28 March 2027; winter time (UTC+1) from 25 October 2026.
    assert local_instant(SPRING_FORWARD, time(10)) == datetime(2027, 3, 28, 8, 0, tzinfo=UTC)
    assert local_instant(date(2027, 3, 27), time(10)) == datetime(2027, 3, 27, 9, 0, tzinfo=UTC)
    assert local_instant(FALL_BACK, time(10)) == datetime(2026, 10, 25, 9, 0, tzinfo=UTC)
    assert local_instant(date(2026, 10, 24), time(10)) == datetime(2026, 10, 24, 8, 0, tzinfo=UTC)


def test_a_night_opening_skips_the_hour_that_does_not_exist_in_march():
    night = replace(DEFAULT_SETTINGS, pickup_opens=time(0), pickup_closes=time(5))
    assert pickup_hours(SPRING_FORWARD, night) == [(time(0), time(1)), (time(1), time(2)), (time(3), time(4)),
                                                   (time(4), time(5))]
    assert not exists_locally(SPRING_FORWARD, time(2, 30))


def test_a_night_opening_has_the_repeated_october_hour_once():
    night = replace(DEFAULT_SETTINGS, pickup_opens=time(0), pickup_closes=time(5))
    assert pickup_hours(FALL_BACK, night) == [(time(h), time(h + 1)) for h in range(5)]
    assert exists_locally(FALL_BACK, time(2, 30))


def test_half_hour_slots_end_at_closing_time():
    short = replace(DEFAULT_SETTINGS, pickup_opens=time(10), pickup_closes=time(11, 45), pickup_slot_minutes=30)
    assert pickup_hours(date(2026, 12, 22), short) == [(time(10), time(10, 30)), (time(10, 30), time(11)),
                                                       (time(11), time(11, 30)), (time(11, 30), time(11, 45))]
