"""The RTM counting rules (CPT, musculoskeletal, as of 2026) as pure functions of dates and numbers.

Nothing here reads the database or the clock: service.py gathers the facts and asks these.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

SETUP = "98975"
SUPPLY_SHORT = "98985"  # 2-15 data days in a 30-day period
SUPPLY_FULL = "98977"  # 16-30 data days
MANAGEMENT_FIRST_10 = "98979"
MANAGEMENT_FIRST_20 = "98980"
MANAGEMENT_EACH_FURTHER_20 = "98981"

PERIOD_DAYS = 30
SETUP_MIN_DATA_DAYS = 2
SUPPLY_MIN_DATA_DAYS = 2
SUPPLY_FULL_MIN_DATA_DAYS = 16
MANAGEMENT_SHORT_MINUTES = 10
MANAGEMENT_UNIT_MINUTES = 20

# The zone a patient lived in before any recorded change.
SINCE_ALWAYS = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ZoneSpan:
    """The patient's time zone from `since` until the next span begins."""

    since: datetime
    timezone: str


@dataclass(frozen=True)
class Period:
    start: date
    end: date


def local_day(instant: datetime, spans: Sequence[ZoneSpan]) -> date:
    """The patient's local date of an instant, read in the zone they were in at that instant."""
    starts = [span.since for span in spans]
    index = max(bisect.bisect_right(starts, instant) - 1, 0)
    return instant.astimezone(ZoneInfo(spans[index].timezone)).date()


def data_days(instants: Iterable[datetime], spans: Sequence[ZoneSpan]) -> set[date]:
    """Local days with at least one thing the patient sent (log, outcome, patient-reported reading)."""
    return {local_day(instant, spans) for instant in instants}


def periods(start: date, through: date) -> list[Period]:
    """Consecutive 30-day periods from the episode's start, up to the one holding `through`."""
    if through < start:
        return []
    count = (through - start).days // PERIOD_DAYS + 1
    return [
        Period(
            start + timedelta(days=PERIOD_DAYS * k), start + timedelta(days=PERIOD_DAYS * k + PERIOD_DAYS - 1)
        )
        for k in range(count)
    ]


def supply_code(days_with_data: int) -> str | None:
    """Device supply for one 30-day period: 98985 for 2-15 data days, 98977 for 16-30."""
    if days_with_data >= SUPPLY_FULL_MIN_DATA_DAYS:
        return SUPPLY_FULL
    if days_with_data >= SUPPLY_MIN_DATA_DAYS:
        return SUPPLY_SHORT
    return None


def setup_day(days: Iterable[date]) -> date | None:
    """The day the episode's set-up (98975) qualifies: its second data day."""
    ordered = sorted(days)
    return ordered[SETUP_MIN_DATA_DAYS - 1] if len(ordered) >= SETUP_MIN_DATA_DAYS else None


def management_codes(minutes: int, interactive: bool) -> list[str]:
    """Treatment management for one calendar month.

    Needs a real-time interactive contact that month. 98979 covers the first 10 minutes; 98980 the
    first 20 and 98981 each further full 20; 98979 and 98980 never go together.
    """
    if not interactive or minutes < MANAGEMENT_SHORT_MINUTES:
        return []
    if minutes < MANAGEMENT_UNIT_MINUTES:
        return [MANAGEMENT_FIRST_10]
    further = (minutes - MANAGEMENT_UNIT_MINUTES) // MANAGEMENT_UNIT_MINUTES
    return [MANAGEMENT_FIRST_20] + [MANAGEMENT_EACH_FURTHER_20] * further


def month_of(instant: datetime, clinic_zone: str) -> str:
    """The calendar month (YYYY-MM) of an instant on the clinic's clock."""
    return instant.astimezone(ZoneInfo(clinic_zone)).strftime("%Y-%m")


def months_between(start: date, through: date) -> list[str]:
    """Every calendar month from the one holding `start` to the one holding `through`."""
    months = []
    year, month = start.year, start.month
    while (year, month) <= (through.year, through.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def month_bounds(month: str, clinic_zone: str) -> tuple[datetime, datetime]:
    """The UTC instants where a calendar month begins and the next begins, on the clinic's clock."""
    year, number = (int(part) for part in month.split("-"))
    zone = ZoneInfo(clinic_zone)
    first = datetime(year, number, 1, tzinfo=zone)
    after = (
        datetime(year + 1, 1, 1, tzinfo=zone) if number == 12 else datetime(year, number + 1, 1, tzinfo=zone)
    )
    return first.astimezone(UTC), after.astimezone(UTC)
