"""Fixtures for home programs and progress logs: the seeded library and a way to prescribe."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from telehealth.extensions import db
from telehealth.patients.models import Patient
from telehealth.programs.library import library_rows, seed_library
from tests.factories import Api, Clinic


@pytest.fixture
def library(app: Any) -> dict[str, str]:
    """The seeded exercise library, by name -> id (as the API spells it)."""
    seed_library()
    db.session.commit()
    return {row["name"]: str(row["id"]) for row in library_rows()}


@pytest.fixture
def assign(api: Api, clinic: Clinic, library: dict[str, str]) -> Callable[..., dict[str, Any]]:
    """Prescribe an exercise to a patient as their therapist; returns the assignment."""

    def _assign(patient: Patient | None = None, exercise: str = "Clamshell", **fields: Any) -> dict[str, Any]:
        patient = patient or clinic.patient
        body = {
            "exercise_id": library[exercise],
            "sets": 3,
            "reps": 10,
            "side": "both",
            "times_per_day": 1,
            "start_date": "2026-01-01",
        } | fields
        therapist = (
            clinic.therapist if clinic.therapist.id in patient.therapist_ids else clinic.other_therapist
        )
        response = api.post(f"/api/v1/patients/{patient.id}/assignments", therapist.user, json=body)
        assert response.status_code == 201, response.json
        return response.json

    return _assign
