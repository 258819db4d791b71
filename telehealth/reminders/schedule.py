"""Pure time rules for reminders: local times, quiet hours and daylight saving."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from telehealth.common.time import zone


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


def in_quiet_hours(instant: datetime, tz_name: str, start: time | None, end: time | None) -> bool:
    if start is None or end is None or start == end:
        return False
    now = instant.astimezone(zone(tz_name)).time()
    if start < end:
        return start <= now < end
    return now >= start or now < end  # the window wraps midnight


def after_quiet_hours(instant: datetime, tz_name: str, start: time | None, end: time | None) -> datetime:
    """`instant`, or the end of the quiet hours it falls in."""
    if not in_quiet_hours(instant, tz_name, start, end):
        return instant
    return next_daily(end, tz_name, instant)  # type: ignore[arg-type]  # in_quiet_hours ensures end
