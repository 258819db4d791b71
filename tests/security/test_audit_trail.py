"""Promise 6: every read and write of patient data leaves an audit event the application cannot change.

Refused attempts are checked call by call in test_route_authorization.py; the PostgreSQL trigger
in tests/integration/test_security_audit.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from telehealth.audit.models import AuditEvent
from telehealth.common.time import utcnow
from telehealth.extensions import db
from tests.security.world import World, api_routes, audit_problems

# The caller's own account, not patient data: nothing to audit.
# Reads that hold no patient data: the caller's own account, and the ODI form's clinic wording.
UNAUDITED_READS = frozenset({"/api/v1/me", "/api/v1/auth/csrf", "/api/v1/outcomes/odi/form"})


def test_every_write_that_built_the_world_is_audited_with_actor_patient_and_request_id(world: World):
    problems = []
    for call in world.calls:
        actor_id = call.actor.id if call.actor else None  # a public write is audited with no actor
        expected = {"actor_id": actor_id, "outcome": "success", "action": call.route.policy.action}
        if call.patient_id is not None:
            expected["patient_id"] = call.patient_id
        problems += audit_problems(f"{call.route.label}", call.request_id, expected)
    assert len(world.calls) > 30
    assert problems == []


def test_every_read_of_patient_data_is_audited(world: World):
    problems, reads = [], 0
    for route in api_routes(world.app):
        if route.method != "GET" or route.policy.public or route.rule.rule in UNAUDITED_READS:
            continue
        caller = world.allowed_caller(route)
        where = f"{route.label} as {caller.role}"
        response, request_id = world.call(caller, "GET", route.path(world.mine.ids))
        reads += 1
        if response.status_code != 200:
            problems.append(f"{where}: {response.status_code}")
            continue
        expected = {"actor_id": caller.id, "outcome": "success", "action": route.policy.action}
        if route.on_caseload:
            expected["patient_id"] = world.mine.patient_row.id
        problems += audit_problems(where, request_id, expected)
    assert reads > 20
    assert problems == []


def test_the_orm_refuses_to_change_or_delete_an_audit_event(world: World):
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.patient_id.is_not(None))).first()
    event.patient_id = None
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, event.id))
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditEvent, event.id).patient_id is not None


def test_an_admin_reads_the_trail_of_one_patient_through_the_api(world: World):
    page = world.api.get(
        f"/api/v1/audit-events?patient_id={world.mine.patient_row.id}&per_page=200", world.clinic.admin
    ).json
    actors = {item["actor_id"] for item in page["items"]}
    assert {str(world.mine.therapist.id), str(world.mine.patient.id)} <= actors
    assert all(item["request_id"] and item["at"].endswith("Z") for item in page["items"])
    assert all(item["patient_id"] == str(world.mine.patient_row.id) for item in page["items"])


def test_a_refused_attempt_on_another_caseloads_assignment_or_visit_is_filed_under_its_patient(api, clinic):
    therapist = clinic.therapist.user
    exercise = api.post(
        "/api/v1/exercises",
        therapist,
        json={
            "name": "Glute bridge (audit)",
            "instructions": "Lift the hips.",
            "body_region": "hip",
            "category": "strength",
        },
    ).json
    assignment = api.post(
        f"/api/v1/patients/{clinic.patient.id}/assignments",
        therapist,
        json={
            "exercise_id": exercise["id"],
            "sets": 2,
            "times_per_day": 1,
            "side": "none",
            "start_date": "2026-01-05",
        },
    ).json
    visit = api.post(
        "/api/v1/sessions",
        therapist,
        json={
            "patient_id": str(clinic.patient.id),
            "starts_at": (utcnow() + timedelta(days=3)).isoformat(),
            "duration_minutes": 30,
            "kind": "follow_up",
        },
    ).json
    intruder = clinic.other_therapist.user
    assert api.get(f"/api/v1/assignments/{assignment['id']}", intruder).status_code == 404
    assert api.post(f"/api/v1/sessions/{visit['id']}/cancel", intruder, json={}).status_code == 404
    refused = db.session.scalars(
        select(AuditEvent).where(AuditEvent.actor_id == intruder.id, AuditEvent.outcome == "denied")
    ).all()
    assert {(e.resource_type, e.resource_id, e.patient_id) for e in refused} == {
        ("assignment", assignment["id"], clinic.patient.id),
        ("visit", visit["id"], clinic.patient.id),
    }
