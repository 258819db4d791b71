"""Local reminder times, quiet hours and daylight saving (pure rules, no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from telehealth.reminders.schedule import (
    at_local,
    exercise_send_time,
    in_quiet_hours,
    next_daily,
    next_exercise_time,
    quiet_hours_end,
    send_time,
)

NY, TOKYO, BERLIN = "America/New_York", "Asia/Tokyo", "Europe/Berlin"


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
    assert send_time(late_evening, NY, *quiet) == at_local(date(2026, 11, 24), time(8, 0), NY)
    early_morning = at_local(date(2026, 11, 24), time(6, 0), NY)
    assert send_time(early_morning, NY, *quiet) == at_local(date(2026, 11, 24), time(8, 0), NY)
    afternoon = at_local(date(2026, 11, 24), time(15, 0), NY)
    assert send_time(afternoon, NY, *quiet) == afternoon


def test_no_quiet_hours_when_unset():
    moment = at_local(date(2026, 11, 23), time(23, 0), NY)
    assert not in_quiet_hours(moment, NY, None, None)
    assert send_time(moment, NY, None, None) == moment


# --- Daylight saving days, in two zones (2026) ------------------------------------------------
# New York: 03-08 02:00 EST -> 03:00 EDT (07:00Z); 11-01 02:00 EDT -> 01:00 EST (06:00Z).
# Berlin: 03-29 02:00 CET -> 03:00 CEST (01:00Z); 10-25 03:00 CEST -> 02:00 CET (01:00Z).


def local(tz: str, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz), fold=fold).astimezone(UTC)


@pytest.mark.parametrize(
    ("tz", "quiet_end", "deferred_at", "ends_at"),
    [
        # The case: 01:15 on the second pass of 01:00-02:00; 01:30 comes again 15 minutes on.
        (NY, time(1, 30), local(NY, 2026, 11, 1, 1, 15, fold=1), utc(2026, 11, 1, 6, 30)),
        (NY, time(1, 30), local(NY, 2026, 11, 1, 1, 15, fold=0), utc(2026, 11, 1, 5, 30)),
        (BERLIN, time(2, 30), local(BERLIN, 2026, 10, 25, 2, 15, fold=1), utc(2026, 10, 25, 1, 30)),
        (BERLIN, time(2, 30), local(BERLIN, 2026, 10, 25, 2, 15, fold=0), utc(2026, 10, 25, 0, 30)),
        # 02:30 never shows on the spring-forward day: the quiet hours end as the clock jumps past it.
        (NY, time(2, 30), local(NY, 2026, 3, 8, 1, 45), utc(2026, 3, 8, 7, 0)),
        (BERLIN, time(2, 30), local(BERLIN, 2026, 3, 29, 1, 45), utc(2026, 3, 29, 1, 0)),
    ],
    ids=[
        "ny-fold-second",
        "ny-fold-first",
        "berlin-fold-second",
        "berlin-fold-first",
        "ny-gap",
        "berlin-gap",
    ],
)
def test_quiet_hours_end_at_the_first_instant_after_the_send_the_clock_reads_their_end(
    tz, quiet_end, deferred_at, ends_at
):
    assert in_quiet_hours(deferred_at, tz, time(0, 0), quiet_end)
    assert quiet_hours_end(deferred_at, tz, quiet_end) == ends_at
    assert send_time(deferred_at, tz, time(0, 0), quiet_end) == ends_at
    assert ends_at - deferred_at < timedelta(hours=2)  # never a whole day
    assert not in_quiet_hours(ends_at, tz, time(0, 0), quiet_end)


DST_DAYS = [
    (NY, date(2026, 3, 8)),
    (NY, date(2026, 11, 1)),
    (BERLIN, date(2026, 3, 29)),
    (BERLIN, date(2026, 10, 25)),
]
DST_IDS = ["ny-spring", "ny-fall", "berlin-spring", "berlin-fall"]


@pytest.mark.parametrize(("tz", "day"), DST_DAYS, ids=DST_IDS)
def test_an_exercise_reminder_keeps_to_its_day_ahead_of_quiet_hours_that_end_the_next_day(tz, day):
    quiet = (time(22, 0), time(7, 0))
    before_quiet = datetime.combine(day, time(21, 55), tzinfo=ZoneInfo(tz)).astimezone(UTC)
    assert exercise_send_time(day, time(23, 0), tz, *quiet) == before_quiet
    # A reminder inside quiet hours that end the same day waits for their end.
    seven = datetime.combine(day, time(7, 0), tzinfo=ZoneInfo(tz)).astimezone(UTC)
    assert exercise_send_time(day, time(5, 0), tz, *quiet) == seven
    # Set at 22:30, that moment has passed: nothing that day, and the next day's comes on time.
    half_past = datetime.combine(day, time(22, 30), tzinfo=ZoneInfo(tz)).astimezone(UTC)
    following = datetime.combine(day + timedelta(days=1), time(21, 55), tzinfo=ZoneInfo(tz)).astimezone(UTC)
    assert next_exercise_time(time(23, 0), tz, *quiet, half_past) == following


def test_quiet_hours_ending_at_midnight_end_on_the_next_day():
    day = date(2026, 11, 23)
    assert exercise_send_time(day, time(23, 0), NY, time(22, 0), time(0, 0)) == at_local(
        day, time(21, 55), NY
    )


@pytest.mark.parametrize(("tz", "day"), DST_DAYS, ids=DST_IDS)
def test_a_visit_reminder_goes_before_quiet_hours_that_end_after_the_visit_starts(tz, day):
    """Visit 07:30, quiet hours 21:00-08:00: the 60-minute reminder goes at 20:55 the evening before."""
    starts_at = datetime.combine(day, time(7, 30), tzinfo=ZoneInfo(tz)).astimezone(UTC)
    quiet = (time(21, 0), time(8, 0))
    one_hour = send_time(starts_at - timedelta(hours=1), tz, *quiet, not_after=starts_at)
    evening_before = datetime.combine(day - timedelta(days=1), time(20, 55), tzinfo=ZoneInfo(tz))
    assert one_hour == evening_before.astimezone(UTC)
    # The day-before reminder (24 real hours before: 06:30 to 08:30 local on a DST day) goes at its
    # time, or at 08:00 if that is quiet: long before the visit either way.
    due = starts_at - timedelta(days=1)
    eight = datetime.combine(day - timedelta(days=1), time(8, 0), tzinfo=ZoneInfo(tz)).astimezone(UTC)
    assert send_time(due, tz, *quiet, not_after=starts_at) == max(due, eight)


def test_a_visit_reminder_may_go_at_the_end_of_quiet_hours_that_is_the_visits_start():
    starts_at = at_local(date(2026, 11, 24), time(8, 0), NY)
    due = starts_at - timedelta(hours=1)
    assert send_time(due, NY, time(21, 0), time(8, 0), not_after=starts_at) == starts_at
    late = starts_at - timedelta(seconds=1)
    assert send_time(due, NY, time(21, 0), time(8, 0), not_after=late) == at_local(
        date(2026, 11, 23), time(20, 55), NY
    )
