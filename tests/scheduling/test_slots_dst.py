"""Slots on a frozen clock across both DST change days in two zones: hours stay local wall-clock."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from telehealth.scheduling.slots import open_slots
from tests.scheduling.conftest import every_day, hours, set_hours, slots

CASES = [
    # zone, the change day (a Sunday), UTC offset the week before (hours), the week after
    ("America/New_York", "2026-03-08", -5, -4),
    ("America/New_York", "2026-11-01", -4, -5),
    ("Europe/Berlin", "2026-03-29", 1, 2),
    ("Europe/Berlin", "2026-10-25", 2, 1),
]


def _local_clock(items, zone):
    return [
        datetime.fromisoformat(i["starts_at"].replace("Z", "+00:00")).astimezone(zone).strftime("%H:%M")
        for i in items
    ]


@pytest.mark.parametrize(("tz", "change_day", "before", "after"), CASES)
def test_monday_nine_to_noon_stays_nine_to_noon_local_on_both_sides_of_the_change(
    api, clinic, clock, tz, change_day, before, after
):
    zone = ZoneInfo(tz)
    change = datetime.fromisoformat(change_day).replace(tzinfo=zone)
    clock.move_to(change - timedelta(days=3), tick=False)  # the Thursday before
    set_hours(api, clinic.therapist, [hours("mon"), hours("sun")], timezone=tz)

    items = slots(api, None, kind="screening")
    monday_before = [
        i for i in items if i["starts_at"].startswith((change - timedelta(days=6)).date().isoformat())
    ]
    assert monday_before == []  # in the past: never offered
    by_day: dict[str, list[dict]] = {}
    for item in items:
        local = datetime.fromisoformat(item["starts_at"].replace("Z", "+00:00")).astimezone(zone)
        by_day.setdefault(local.date().isoformat(), []).append(item)
    monday_after = (change + timedelta(days=1)).date().isoformat()
    sunday_after = (change + timedelta(days=7)).date().isoformat()
    for day in (change_day, monday_after, sunday_after):
        local = _local_clock(by_day[day], zone)
        assert local[0] == "09:00" and local[-1] == "11:45" and len(local) == 12, (day, local)
    # The same wall-clock hours are different UTC instants on each side of the change.
    first_after = by_day[monday_after][0]["starts_at"]
    assert first_after == f"{monday_after}T{9 - after:02d}:00:00Z"
    monday_next = (change + timedelta(days=8)).date().isoformat()
    assert by_day[monday_next][0]["starts_at"] == f"{monday_next}T{9 - after:02d}:00:00Z"
    # And the week before the change (seen from a clock a week earlier) used the old offset.
    clock.move_to(change - timedelta(days=10), tick=False)
    earlier = slots(api, None, kind="screening")
    monday_before = (change - timedelta(days=6)).date().isoformat()
    first_before = next(i for i in earlier if i["starts_at"].startswith(monday_before))
    assert first_before["starts_at"] == f"{monday_before}T{9 - before:02d}:00:00Z"


@pytest.mark.parametrize(("tz", "change_day", "before", "after"), CASES)
def test_hours_across_the_change_itself_hold_the_real_time_between_them(tz, change_day, before, after):
    """00:00-04:00 on the change day: three real hours in spring, five in autumn."""
    zone = ZoneInfo(tz)
    start = datetime.fromisoformat(change_day).replace(tzinfo=zone).astimezone(UTC) - timedelta(hours=1)
    found = list(
        open_slots(
            timezone=tz,
            weekly=[hours("sun", "00:00", "04:00")],
            exceptions=[],
            kind="follow_up",
            start=start,
            end=start + timedelta(days=1),
        )
    )
    real_hours = 4 + (before - after)
    assert len(found) == real_hours * 2
    assert all(b.starts_at == a.ends_at for a, b in itertools.pairwise(found))  # back to back
    assert found[0].starts_at.astimezone(zone).strftime("%H:%M") == "00:00"
    assert found[-1].ends_at.astimezone(zone).strftime("%H:%M") == "04:00"


def test_slots_start_after_the_lead_time_and_end_fourteen_days_ahead(api, clinic, app):
    set_hours(api, clinic.therapist, every_day("06:00", "18:00"))  # NOW is 08:00 in New York
    patient = clinic.patient.user
    items = slots(api, patient, kind="follow_up")
    assert items[0]["starts_at"] == "2026-03-02T15:00:00Z"  # 10:00: two hours' lead
    last = datetime.fromisoformat(items[-1]["starts_at"].replace("Z", "+00:00"))
    assert last < datetime(2026, 3, 16, 13, 0, tzinfo=UTC)  # 14 days from now
    app.config["BOOKING_LEAD_MINUTES"] = 30
    assert slots(api, patient, kind="follow_up")[0]["starts_at"] == "2026-03-02T13:30:00Z"


def test_a_day_off_and_a_shortened_day_change_only_their_date(api, clinic):
    exceptions = [
        {"date": "2026-03-03", "available": False},
        {"date": "2026-03-04", "start": "09:00", "end": "10:00", "available": True},
        {"date": "2026-03-05", "start": "10:00", "end": "11:00", "available": False},
    ]
    set_hours(api, clinic.therapist, every_day(), exceptions=exceptions)
    items = slots(
        api,
        clinic.patient.user,
        kind="follow_up",
        **{"from": "2026-03-03T00:00:00-05:00", "to": "2026-03-07T00:00:00-05:00"},
    )
    zone = ZoneInfo("America/New_York")
    per_day: dict[str, list[str]] = {}
    for item in items:
        local = datetime.fromisoformat(item["starts_at"].replace("Z", "+00:00")).astimezone(zone)
        per_day.setdefault(local.date().isoformat(), []).append(local.strftime("%H:%M"))
    assert "2026-03-03" not in per_day
    assert per_day["2026-03-04"] == ["09:00", "09:30"]
    assert per_day["2026-03-05"] == ["09:00", "09:30", "11:00", "11:30"]
    assert per_day["2026-03-06"] == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
