"""Local reminder times, quiet hours and daylight saving (pure rules, no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from telehealth.reminders.schedule import after_quiet_hours, at_local, in_quiet_hours, next_daily

NY, TOKYO = "America/New_York", "Asia/Tokyo"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_same_wall_clock_time_is_a_different_instant_in_each_zone():
    assert at_local(date(2026, 11, 23), time(9, 0), NY) == utc(2026, 11, 23, 14, 0)
    assert at_local(date(2026, 11, 23), time(9, 0), TOKYO) == utc(2026, 11, 23, 0, 0)


def test_a_time_inside_the_spring_forward_gap_lands_just_after_it():
    # 2026-03-08: New York clocks jump from 02:00 EST to 03:00 EDT.
    assert at_local(date(2026, 3, 8), time(2, 30), NY) == utc(2026, 3, 8, 7, 30)  # 03:30 EDT


def test_an_ambiguous_fall_back_time_is_taken_once_at_its_first_occurrence():
    # 2026-11-01: 01:30 happens twice in New York; the reminder uses the first (EDT).
    assert at_local(date(2026, 11, 1), time(1, 30), NY) == utc(2026, 11, 1, 5, 30)


@pytest.mark.parametrize(("start", "days"), [(date(2026, 3, 6), 5), (date(2026, 10, 30), 5)])
def test_each_local_day_around_a_dst_change_gets_exactly_one_instant(start, days):
    instants = []
    moment = at_local(start, time(1, 30), NY) - timedelta(minutes=1)
    for _ in range(days):
        moment = next_daily(time(1, 30), NY, moment)
        instants.append(moment)
    local_days = [i.astimezone(ZoneInfo(NY)).date() for i in instants]
    assert local_days == [start + timedelta(days=n) for n in range(days)]


def test_next_daily_is_strictly_after_the_given_instant():
    at_nine = at_local(date(2026, 11, 23), time(9, 0), NY)
    assert next_daily(time(9, 0), NY, at_nine) == at_local(date(2026, 11, 24), time(9, 0), NY)
    assert next_daily(time(9, 0), NY, at_nine - timedelta(seconds=1)) == at_nine


def test_quiet_hours_that_wrap_midnight():
    quiet = (time(21, 0), time(8, 0))
    assert in_quiet_hours(at_local(date(2026, 11, 23), time(22, 0), NY), NY, *quiet)
    assert in_quiet_hours(at_local(date(2026, 11, 23), time(7, 59), NY), NY, *quiet)
    assert not in_quiet_hours(at_local(date(2026, 11, 23), time(8, 0), NY), NY, *quiet)
    assert not in_quiet_hours(at_local(date(2026, 11, 23), time(20, 59), NY), NY, *quiet)


def test_a_send_inside_quiet_hours_moves_to_their_end():
    quiet = (time(21, 0), time(8, 0))
    late_evening = at_local(date(2026, 11, 23), time(22, 30), NY)
    assert after_quiet_hours(late_evening, NY, *quiet) == at_local(date(2026, 11, 24), time(8, 0), NY)
    early_morning = at_local(date(2026, 11, 24), time(6, 0), NY)
    assert after_quiet_hours(early_morning, NY, *quiet) == at_local(date(2026, 11, 24), time(8, 0), NY)
    afternoon = at_local(date(2026, 11, 24), time(15, 0), NY)
    assert after_quiet_hours(afternoon, NY, *quiet) == afternoon


def test_no_quiet_hours_when_unset():
    moment = at_local(date(2026, 11, 23), time(23, 0), NY)
    assert not in_quiet_hours(moment, NY, None, None)
    assert after_quiet_hours(moment, NY, None, None) == moment
