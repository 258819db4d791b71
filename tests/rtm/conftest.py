"""RTM tests run on a frozen clock and seed what the patient sent straight into the tables."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import time_machine

from telehealth.extensions import db
from telehealth.measures.models import Measurement, Outcome
from telehealth.patients.models import Patient

# Tuesday 2026-04-14, 16:00 UTC (noon in New York).
NOW = datetime(2026, 4, 14, 16, 0, tzinfo=UTC)


@pytest.fixture
def frozen() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def send_outcome(patient: Patient, at: datetime) -> None:
    """An NPRS result the patient sent at this instant (a data day's evidence)."""
    db.session.add(
        Outcome(
            patient_id=patient.id,
            instrument="nprs",
            answers=[3],
            score=3,
            interpretation=None,
            completed_at=at,
            recorded_by_id=patient.user_id,
        )
    )


def send_reading(patient: Patient, at: datetime, source: str = "patient_reported") -> None:
    db.session.add(
        Measurement(
            patient_id=patient.id,
            type="hip_internal_rotation",
            side="left",
            degrees=30,
            measured_at=at,
            source=source,
            recorded_by_id=patient.user_id,
        )
    )
