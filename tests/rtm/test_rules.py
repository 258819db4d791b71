"""The RTM counting rules at every threshold, as pure functions."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from telehealth.rtm import rules


@pytest.mark.parametrize(
    ("days", "code"),
    [(0, None), (1, None), (2, "98985"), (15, "98985"), (16, "98977"), (30, "98977")],
)
def test_device_supply_needs_2_data_days_and_16_for_the_full_code(days, code):
    assert rules.supply_code(days) == code


@pytest.mark.parametrize(
    ("minutes", "codes"),
    [
        (0, []),
        (9, []),
        (10, ["98979"]),
        (19, ["98979"]),
        (20, ["98980"]),
        (39, ["98980"]),
        (40, ["98980", "98981"]),
        (59, ["98980", "98981"]),
        (60, ["98980", "98981", "98981"]),
    ],
)
def test_management_codes_by_minutes_with_an_interactive_contact(minutes, codes):
    assert rules.management_codes(minutes, interactive=True) == codes


@pytest.mark.parametrize("minutes", [10, 20, 45, 120])
def test_a_month_without_an_interactive_contact_has_no_management_code(minutes):
    assert rules.management_codes(minutes, interactive=False) == []


def test_98979_and_98980_never_go_together():
    for minutes in range(0, 200):
        codes = rules.management_codes(minutes, interactive=True)
        assert not {"98979", "98980"} <= set(codes)


def test_set_up_qualifies_on_the_second_data_day():
    assert rules.setup_day([date(2026, 3, 4)]) is None
    assert rules.setup_day([date(2026, 3, 9), date(2026, 3, 4), date(2026, 3, 20)]) == date(2026, 3, 9)


def test_periods_are_consecutive_30_day_blocks_from_the_start():
    found = rules.periods(date(2026, 1, 15), date(2026, 3, 16))
    assert [(p.start, p.end) for p in found] == [
        (date(2026, 1, 15), date(2026, 2, 13)),
        (date(2026, 2, 14), date(2026, 3, 15)),
        (date(2026, 3, 16), date(2026, 4, 14)),
    ]
    assert rules.periods(date(2026, 1, 15), date(2026, 1, 14)) == []


def test_a_local_day_is_read_in_the_zone_the_patient_was_in_at_that_instant():
    moved = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
    spans = [
        rules.ZoneSpan(rules.SINCE_ALWAYS, "America/New_York"),
        rules.ZoneSpan(moved, "America/Los_Angeles"),
    ]
    # 03:30 UTC is 23:30 the day before in New York and 20:30 the day before in Los Angeles.
    assert rules.local_day(datetime(2026, 3, 10, 4, 30, tzinfo=UTC), spans) == date(2026, 3, 10)
    assert rules.local_day(datetime(2026, 3, 20, 4, 30, tzinfo=UTC), spans) == date(2026, 3, 19)


def test_calendar_months_are_on_the_clinics_clock():
    # 2026-04-01 03:00 UTC is still March 31 in New York.
    assert rules.month_of(datetime(2026, 4, 1, 3, 0, tzinfo=UTC), "America/New_York") == "2026-03"
    assert rules.month_of(datetime(2026, 4, 1, 3, 0, tzinfo=UTC), "UTC") == "2026-04"
    assert rules.months_between(date(2025, 11, 20), date(2026, 2, 1)) == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]
