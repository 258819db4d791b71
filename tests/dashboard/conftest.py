"""Therapist-view tests run on a frozen clock and build their data through the public API."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from telehealth.accounts.models import User
from telehealth.patients.models import Patient
from tests.factories import Api, Clinic

# Wednesday 18 March 2026, 13:00 in New York (daylight time began on the 8th).
NOW = datetime.fromisoformat("2026-03-18T17:00:00+00:00")
TODAY = date(2026, 3, 18)  # in New York
NEW_YORK = ZoneInfo("America/New_York")


def days_ago(n: int, at: str = "12:00") -> str:
    """An instant n local days before TODAY in New York, at a wall-clock time, with its offset."""
    local = datetime.combine(TODAY - timedelta(days=n), time.fromisoformat(at), tzinfo=NEW_YORK)
    return local.isoformat()


@pytest.fixture
def frozen() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


class Care:
    """Clinical data entered the way the apps enter it: POST requests as the care team or patient."""

    def __init__(self, api: Api, clinic: Clinic) -> None:
        self.api = api
        self.clinic = clinic
        self._exercise: str | None = None

    def therapist_of(self, patient: Patient) -> User:
        for therapist in (self.clinic.therapist, self.clinic.other_therapist):
            if therapist.id in patient.therapist_ids:
                return therapist.user
        raise AssertionError("the patient has no therapist in this clinic")

    def _post(self, path: str, user: User, body: dict[str, Any]) -> dict[str, Any]:
        response = self.api.post(path, user, json=body)
        assert response.status_code in (200, 201), response.json
        return response.json

    def exercise(self) -> str:
        if self._exercise is None:
            body = {
                "name": "Seated hip internal rotation",
                "instructions": "Sit tall; turn the foot outward to rotate the hip inward.",
                "body_region": "hip",
                "category": "mobility",
            }
            self._exercise = self._post("/api/v1/exercises", self.clinic.therapist.user, body)["id"]
        return self._exercise

    def assign(self, patient: Patient, start_date: date, **fields: Any) -> dict[str, Any]:
        body = {
            "exercise_id": self.exercise(),
            "sets": 3,
            "reps": 10,
            "side": "none",
            "times_per_day": 1,
            "start_date": start_date.isoformat(),
        } | fields
        return self._post(f"/api/v1/patients/{patient.id}/assignments", self.therapist_of(patient), body)

    def change(self, patient: Patient, assignment: dict[str, Any], **fields: Any) -> dict[str, Any]:
        """The therapist tailors the prescription (PATCH), as of the frozen clock."""
        response = self.api.patch(
            f"/api/v1/assignments/{assignment['id']}", self.therapist_of(patient), json=fields
        )
        assert response.status_code == 200, response.json
        return response.json

    def log(self, patient: Patient, assignment: dict[str, Any], performed_at: str, pain: int = 3) -> None:
        body = {
            "id": str(uuid.uuid4()),
            "assignment_id": assignment["id"],
            "performed_at": performed_at,
            "sets_completed": 3,
            "pain_score": pain,
        }
        self._post(f"/api/v1/patients/{patient.id}/progress-logs", patient.user, body)

    def logs(
        self,
        patient: Patient,
        assignment: dict[str, Any],
        entries: list[tuple[str, int]],
        by: User | None = None,
    ) -> None:
        """Several logs in one batch, by the patient unless said: (performed_at, pain score) each."""
        body = {
            "logs": [
                {
                    "id": str(uuid.uuid4()),
                    "assignment_id": assignment["id"],
                    "performed_at": performed_at,
                    "sets_completed": 3,
                    "pain_score": pain,
                }
                for performed_at, pain in entries
            ]
        }
        results = self._post(f"/api/v1/patients/{patient.id}/progress-logs/batch", by or patient.user, body)
        assert {result["status"] for result in results["results"]} == {"created"}, results

    def rotations(
        self, patient: Patient, at: str, left: tuple[float, float], right: tuple[float, float]
    ) -> None:
        """Internal and external rotation of both hips, measured by the therapist."""
        for side, (internal, external) in (("left", left), ("right", right)):
            for rom_type, degrees in (
                ("hip_internal_rotation", internal),
                ("hip_external_rotation", external),
            ):
                body = {
                    "type": rom_type,
                    "side": side,
                    "degrees": degrees,
                    "measured_at": at,
                    "source": "clinician",
                }
                self._post(f"/api/v1/patients/{patient.id}/measurements", self.therapist_of(patient), body)

    def outcome(self, patient: Patient, instrument: str, answers: list[Any], at: str) -> dict[str, Any]:
        body = {"instrument": instrument, "answers": answers, "completed_at": at}
        return self._post(f"/api/v1/patients/{patient.id}/outcomes", patient.user, body)

    def session(self, patient: Patient, starts_at: str, minutes: int = 45) -> dict[str, Any]:
        body = {
            "patient_id": str(patient.id),
            "starts_at": starts_at,
            "duration_minutes": minutes,
            "kind": "follow_up",
        }
        return self._post("/api/v1/sessions", self.therapist_of(patient), body)

    def inactivity_days(self, patient: Patient, days: int) -> None:
        path = f"/api/v1/patients/{patient.id}/reminder-settings"
        response = self.api.put(path, patient.user, json={"inactivity_days": days})
        assert response.status_code == 200, response.json


@pytest.fixture
def care(api: Api, clinic: Clinic) -> Care:
    return Care(api, clinic)
