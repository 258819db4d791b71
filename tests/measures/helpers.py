"""Request bodies and calls shared by the measures tests."""

from __future__ import annotations

from typing import Any

from werkzeug.test import TestResponse

from telehealth.accounts.models import User
from telehealth.audit.models import AuditEvent
from telehealth.extensions import db
from telehealth.patients.models import Patient
from tests.factories import Api


def count(model: type) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model)) or 0


def audit_trail(patient: Patient) -> set[tuple]:
    """(action, outcome, actor_id, resource_type, resource_id) of every event filed under the patient."""
    events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.patient_id == patient.id))
    return {(e.action, e.outcome, e.actor_id, e.resource_type, e.resource_id) for e in events}


def reading(**fields: Any) -> dict[str, Any]:
    return {
        "type": "hip_internal_rotation",
        "side": "left",
        "degrees": 30,
        "measured_at": "2026-03-09T15:30:00-05:00",
        "source": "clinician",
        **fields,
    }


def post_reading(api: Api, user: User, patient: Patient, **fields: Any) -> TestResponse:
    return api.post(f"/api/v1/patients/{patient.id}/measurements", user, json=reading(**fields))


def post_rotations(
    api: Api, user: User, patient: Patient, side: str, internal: float, external: float, at: str
) -> None:
    for rom_type, degrees in (("hip_internal_rotation", internal), ("hip_external_rotation", external)):
        response = post_reading(api, user, patient, type=rom_type, side=side, degrees=degrees, measured_at=at)
        assert response.status_code == 201, response.json


def post_outcome(
    api: Api, user: User, patient: Patient, instrument: str, answers: list, at: str
) -> TestResponse:
    return api.post(
        f"/api/v1/patients/{patient.id}/outcomes",
        user,
        json={"instrument": instrument, "answers": answers, "completed_at": at},
    )
