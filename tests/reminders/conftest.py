"""Fixtures for the reminder engine tests."""

from __future__ import annotations

from datetime import date

import pytest


@pytest.fixture
def program(api, clinic):
    """Give a patient a daily one-exercise program starting on a date, through the API."""
    exercise = api.post(
        "/api/v1/exercises",
        clinic.therapist.user,
        json={
            "name": "Clamshell (engine test)",
            "instructions": "Lie on your side and open the knees.",
            "body_region": "hip",
            "category": "strength",
        },
    ).json

    def give(patient, start: date, days: list[str] | None = None) -> str:
        body = {
            "exercise_id": exercise["id"],
            "sets": 2,
            "reps": 10,
            "hold_seconds": None,
            "side": "both",
            "times_per_day": 1,
            "start_date": start.isoformat(),
        }
        if days:
            body["days_of_week"] = days
        response = api.post(f"/api/v1/patients/{patient.id}/assignments", clinic.therapist.user, json=body)
        assert response.status_code == 201, response.json
        return response.json["id"]

    return give
