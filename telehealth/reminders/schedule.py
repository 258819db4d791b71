"""Pure time rules for reminders: local times, quiet hours and daylight saving.

When a reminder goes (API.md "Reminders and notifications"), in one place for the planner, the
re-planning after a change and the last check before a send:
- at its due moment, unless that is inside quiet hours: then at their end, the first instant after
  it at which the local clock reads the end time (a DST fold or gap included);
- an exercise reminder belongs to its local day, and a visit reminder never goes after the visit's
  start: when the end of the quiet hours is too late for either, the reminder goes BEFORE_QUIET
  before the quiet hours began instead, or not at all once that moment has passed.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta

from telehealth.common.time import zone

# "Just before the quiet hours begin": room for a scan that runs a minute or two late.
BEFORE_QUIET = timedelta(minutes=5)
_INSTANT = timedelta(microseconds=1)


def local_date(instant: datetime, tz_name: str) -> date:
    return instant.astimezone(zone(tz_name)).date()


def at_local(day: date, at: time, tz_name: str) -> datetime:
    """The UTC instant of a wall-clock time on a local day.

    With fold=0 (PEP 495) a time that does not exist (spring forward) is read with the offset
    before the gap, which lands just after it, and an ambiguous one (fall back) takes its first
    occurrence: each local day yields exactly one instant.
    """
    return datetime.combine(day, at).replace(tzinfo=zone(tz_name), fold=0).astimezone(UTC)


def next_daily(at: time, tz_name: str, after: datetime) -> datetime:
    """The first local `at` strictly after `after`."""
    day = local_date(after, tz_name)
    for offset in range(3):
        candidate = at_local(day + timedelta(days=offset), at, tz_name)
        if candidate > after:
            return candidate
    raise AssertionError("unreachable: a wall-clock time recurs every day")


def _gap_landing(before: datetime, after: datetime, tz_name: str) -> datetime:
    """The instant, between two UTC instants on either side of a clock change, at which the
    local clock jumps (offsets change on whole seconds)."""
    tz = zone(tz_name)
    offset = before.astimezone(tz).utcoffset()
    low, high = math.floor(before.timestamp()), math.ceil(after.timestamp())
    while high - low > 1:  # low keeps the old offset, high has the new one
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, tz).utcoffset() == offset:
            low = middle
        else:
            high = middle
    return datetime.fromtimestamp(high, UTC)


def wall_clock_instants(day: date, at: time, tz_name: str) -> list[datetime]:
    """The UTC instants of a local day at which the local clock reads `at`: one, two in a fall-back
    fold, or, when a spring-forward gap skips it, the instant the clock jumps past it."""
    tz = zone(tz_name)
    wall = datetime.combine(day, at)
    found = set()
    for fold in (0, 1):
        instant = wall.replace(tzinfo=tz, fold=fold).astimezone(UTC)
        if instant.astimezone(tz).replace(tzinfo=None) == wall:
            found.add(instant)
    if not found:
        # In a gap fold=1 reads the time with the offset after it (earlier), fold=0 with the one before.
        earlier = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
        later = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
        found.add(_gap_landing(min(earlier, later), max(earlier, later), tz_name))
    return sorted(found)


def in_quiet_hours(instant: datetime, tz_name: str, start: time | None, end: time | None) -> bool:
    if start is None or end is None or start == end:
        return False
    now = instant.astimezone(zone(tz_name)).time()
    if start < end:
        return start <= now < end
    return now >= start or now < end  # the window wraps midnight


def quiet_hours_end(instant: datetime, tz_name: str, end: time) -> datetime:
    """The end of the quiet hours `instant` is in: the first instant after it at which the local
    clock reads `end` (in a fold, perhaps its second reading; in a gap, when the clock jumps)."""
    day = local_date(instant, tz_name)
    return min(
        moment
        for offset in range(3)
        for moment in wall_clock_instants(day + timedelta(days=offset), end, tz_name)
        if moment > instant
    )


def quiet_hours_start(instant: datetime, tz_name: str, start: time, end: time) -> datetime:
    """When the quiet hours `instant` is in began: the last reading of `start` at or before it with
    the clock not already quiet the moment before (a fold repeats the hour without a new beginning)."""
    day = local_date(instant, tz_name)
    candidates = [
        moment
        for offset in (-1, 0)
        for moment in wall_clock_instants(day + timedelta(days=offset), start, tz_name)
        if moment <= instant
    ]
    for moment in sorted(candidates, reverse=True):
        if not in_quiet_hours(moment - _INSTANT, tz_name, start, end):
            return moment
    return min(candidates, default=instant)


def send_time(
    due: datetime,
    tz_name: str,
    start: time | None,
    end: time | None,
    *,
    day: date | None = None,
    not_after: datetime | None = None,
) -> datetime | None:
    """When a reminder due at `due` goes: `due`, or the end of the quiet hours it falls in. When
    that end is on a later local date than `day` (an exercise reminder's own day) or after
    `not_after` (a visit's start), BEFORE_QUIET before the quiet hours began instead; None when
    that too is not on `day` or inside quiet hours."""
    if start is None or end is None or not in_quiet_hours(due, tz_name, start, end):
        return due
    after = quiet_hours_end(due, tz_name, end)
    too_late = (day is not None and local_date(after, tz_name) > day) or (
        not_after is not None and after > not_after
    )
    if not too_late:
        return after
    before = quiet_hours_start(due, tz_name, start, end) - BEFORE_QUIET
    other_day = day is not None and local_date(before, tz_name) != day
    return None if other_day or in_quiet_hours(before, tz_name, start, end) else before


def is_passed(when: datetime, due: datetime, now: datetime) -> bool:
    """A send moved before its due moment (ahead of quiet hours) is skipped once that moment is past."""
    return when < due and when <= now


def exercise_send_time(
    day: date, at: time, tz_name: str, start: time | None, end: time | None
) -> datetime | None:
    """When the exercise reminder of local day `day` goes (None: not that day)."""
    return send_time(at_local(day, at, tz_name), tz_name, start, end, day=day)


def next_exercise_time(
    at: time, tz_name: str, start: time | None, end: time | None, after: datetime
) -> datetime:
    """The first exercise-reminder moment strictly after `after`: a day whose moment has passed,
    or that has none, is left out."""
    day = local_date(after, tz_name)
    for offset in range(3):
        candidate = exercise_send_time(day + timedelta(days=offset), at, tz_name, start, end)
        if candidate is not None and candidate > after:
            return candidate
    # Quiet hours that leave no moment on any day: keep checking daily, at the reminder time.
    return next_daily(at, tz_name, after)
