"""Scheduling tests run on a frozen clock: which slots are open depends on "now"."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from telehealth.accounts.models import Therapist, User
from tests.factories import Api

# Monday 2 March 2026, 08:00 in New York (13:00 UTC): the week before the United States spring forward.
NOW = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
ALL_KINDS = ["screening", "initial_evaluation", "follow_up"]
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


@pytest.fixture(autouse=True)
def clock(time_machine: Any) -> Any:
    time_machine.move_to(NOW, tick=False)
    return time_machine


def hours(
    day: str, start: str = "09:00", end: str = "12:00", kinds: list[str] | None = None
) -> dict[str, Any]:
    return {"day": day, "start": start, "end": end, "kinds": ALL_KINDS if kinds is None else kinds}


def every_day(
    start: str = "09:00", end: str = "12:00", kinds: list[str] | None = None
) -> list[dict[str, Any]]:
    return [hours(day, start, end, kinds) for day in WEEKDAYS]


def set_hours(
    api: Api,
    therapist: Therapist,
    weekly: list[dict[str, Any]],
    *,
    timezone: str = "America/New_York",
    exceptions: list[dict[str, Any]] | None = None,
    as_user: User | None = None,
) -> dict[str, Any]:
    response = api.put(
        f"/api/v1/therapists/{therapist.id}/availability",
        as_user or therapist.user,
        json={"timezone": timezone, "weekly": weekly, "exceptions": exceptions or []},
    )
    assert response.status_code == 200, response.json
    return response.json


def slots(api: Api, user: User | None = None, **query: str) -> list[dict[str, Any]]:
    response = api.get("/api/v1/slots", user, query_string=query)
    assert response.status_code == 200, response.json
    return response.json["items"]


def starts(items: list[dict[str, Any]]) -> list[str]:
    return [item["starts_at"] for item in items]
