"""Promise 6 on PostgreSQL: the audit trail is append-only whichever way the application writes.

Raw SQL UPDATE and DELETE are refused in tests/integration/test_onboarding.py, and the ORM's
per-object guard in tests/security/test_audit_trail.py; here the ORM's bulk statements, which skip
that guard and meet the database trigger, and a refusal's event surviving the rollback of the
refused request.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError

from telehealth.audit.models import AuditEvent
from telehealth.extensions import db
from tests.factories import Api, build_clinic


@pytest.fixture
def trail(pg_app) -> AuditEvent:
    clinic = build_clinic()
    api = Api(pg_app)
    assert api.get(f"/api/v1/patients/{clinic.patient.id}", clinic.therapist.user).status_code == 200
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "patient.read")).one()


@pytest.mark.parametrize(
    "statement",
    [
        update(AuditEvent).values(action="tampered"),
        update(AuditEvent).values(patient_id=None),
        delete(AuditEvent),
    ],
    ids=["bulk update", "unlink patient", "bulk delete"],
)
def test_postgresql_refuses_bulk_orm_changes_to_audit_events(trail, statement):
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(statement)
    db.session.rollback()
    assert db.session.get(AuditEvent, trail.id).action == "patient.read"


def test_a_refused_attempt_is_recorded_even_though_its_work_is_rolled_back(pg_app):
    clinic = build_clinic()
    request_id = uuid.uuid4().hex
    response = Api(pg_app).patch(
        f"/api/v1/patients/{clinic.other_patient.id}",
        clinic.therapist.user,
        json={"phone": "+1 555 000 1111"},
        headers={"X-Request-ID": request_id},
    )
    assert response.status_code == 404
    db.session.expire_all()
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.request_id == request_id)).one()
    assert (event.action, event.outcome, event.status_code) == ("patient.update", "denied", 404)
    assert (event.actor_id, event.patient_id) == (clinic.therapist.user.id, clinic.other_patient.id)
    assert (
        db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.outcome == "denied"))
        == 1
    )
