"""Pickup and delivery days, tested directly (no HTTP)."""

from __future__ import annotations

from datetime import date, datetime, timezone

from shop.scheduling.days import delivery_days, pickup_days

FRIDAY_MORNING = datetime(2026, 11, 27, 10, 0)
FRIDAY_AFTERNOON = datetime(2026, 11, 27, 13, 0)


def test_pickup_before_cutoff_is_lead_time_later():
    assert pickup_days(FRIDAY_MORNING)[:3] == [date(2026, 11, 29), date(2026, 12, 1), date(2026, 12, 2)]


def test_pickup_after_cutoff_skips_a_day_and_the_closed_monday():
    assert pickup_days(FRIDAY_AFTERNOON)[0] == date(2026, 12, 1)


def test_cutoff_is_belgian_time_for_aware_datetimes():
    # 11:30 UTC is 12:30 in Brussels: after the noon cut-off.
    assert pickup_days(datetime(2026, 11, 27, 11, 30, tzinfo=timezone.utc))[0] == date(2026, 12, 1)
    assert pickup_days(datetime(2026, 11, 27, 10, 59, tzinfo=timezone.utc))[0] == date(2026, 11, 29)


def test_pickup_days_around_a_weekend_never_include_monday():
    saturday = datetime(2026, 11, 28, 9, 0)
    days = pickup_days(saturday)
    assert days[0] == date(2026, 12, 1)
    assert all(day.weekday() != 0 for day in days)


def test_closed_dates_are_skipped():
    days = pickup_days(datetime(2026, 12, 22, 13, 0))
    assert days[0] == date(2026, 12, 26)
    assert date(2026, 12, 25) not in days
    assert date(2027, 1, 1) not in pickup_days(datetime(2026, 12, 29, 9, 0))


def test_booking_horizon_is_inclusive():
    days = pickup_days(FRIDAY_MORNING)
    assert days[-1] == date(2027, 1, 26)


def test_settings_override_opening_days(app):
    with app.app_context():
        app.config["SHOP_SETTINGS"] = {"pickup_weekdays": (5,), "lead_time_days": 0}
        try:
            assert pickup_days(FRIDAY_MORNING)[:2] == [date(2026, 11, 28), date(2026, 12, 5)]
        finally:
            app.config.pop("SHOP_SETTINGS")


def test_delivery_days_are_tuesday_to_saturday():
    days = delivery_days(FRIDAY_MORNING)
    assert days[:5] == [date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 3), date(2026, 12, 4), date(2026, 12, 5)]
    assert {day.weekday() for day in days} == {1, 2, 3, 4, 5}
