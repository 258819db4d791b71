"""Visits tests run on a frozen clock: booking, joining and no-shows all depend on "now"."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from telehealth.accounts.models import User
from telehealth.extensions import db
from telehealth.patients.models import Patient
from telehealth.visits.models import Visit
from tests.factories import Api, Clinic

# A Friday afternoon, two days before the United States leave daylight-saving time.
NOW = datetime(2026, 10, 30, 14, 0, tzinfo=UTC)
TOMORROW_10 = datetime(2026, 10, 31, 14, 0, tzinfo=UTC)  # 10:00 in New York


def iso(moment: datetime) -> str:
    return moment.isoformat()


def book(
    api: Api,
    user: User,
    patient: Patient,
    starts_at: datetime | str = TOMORROW_10,
    duration_minutes: Any = 60,
    kind: str = "follow_up",
    **extra: Any,
) -> TestResponse:
    body = {
        "patient_id": str(patient.id),
        "starts_at": starts_at if isinstance(starts_at, str) else iso(starts_at),
        "duration_minutes": duration_minutes,
        "kind": kind,
        **extra,
    }
    return api.post("/api/v1/sessions", user, json=body)


def visit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Visit)) or 0


@pytest.fixture(autouse=True)
def clock(time_machine: Any) -> Any:
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def visit(api: Api, clinic: Clinic) -> dict[str, Any]:
    """A scheduled 60-minute follow-up of clinic.patient with clinic.therapist, tomorrow 10:00 New York."""
    response = book(api, clinic.therapist.user, clinic.patient)
    assert response.status_code == 201, response.json
    return response.json


def path(visit: dict[str, Any], action: str = "") -> str:
    return f"/api/v1/sessions/{visit['id']}" + (f"/{action}" if action else "")
