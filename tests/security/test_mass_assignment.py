"""Promise 2: no mass assignment, and no response carries a credential hash or another patient's data."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from telehealth.accounts.models import ApiToken, OneTimeToken, Role, User
from telehealth.extensions import db
from telehealth.patients.models import Patient
from telehealth.visits.models import Visit
from tests.security.world import (
    CLINIC,
    SAFE_METHODS,
    VARIABLES,
    Route,
    World,
    api_routes,
    changed_tables,
    snapshot,
)

TEXT_TYPES = ("application/json", "application/problem+json", "text/")


def _request_fields(spec: dict[str, Any], route: Route) -> set[str] | None:
    """The body fields the OpenAPI document declares for a route, or None if it takes no body."""
    operation = spec["paths"].get(route.openapi_path, {}).get(route.method.lower(), {})
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return None
    schema = content["schema"]
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return set(schema.get("properties", {}))


def _smuggled(world: World) -> dict[str, Any]:
    """Fields no client may set: who it is, whose it is, what state it is in, what it is called."""
    return {
        "role": "admin",
        "therapist_id": str(world.clinic.other_therapist.id),
        "password_hash": "$argon2id$v=19$m=1024,t=1,p=1$forged",
        "token_hash": "0" * 64,
        "status": "discharged",
        "id": str(uuid.uuid4()),
        "user_id": str(world.theirs.patient.id),
        "patient_id": world.theirs.ids["patient_id"],
        "author_id": str(world.theirs.therapist.id),
        "is_active_account": False,
        "created_at": "2020-01-01T00:00:00Z",
    }


def test_fields_a_client_may_not_write_are_refused_on_every_write_route(world: World):
    spec = world.api.client().get("/openapi.json").json
    problems, checked = [], 0
    for route in api_routes(world.app):
        declared = _request_fields(spec, route)
        if route.method in SAFE_METHODS or declared is None:
            continue
        smuggled = {k: v for k, v in _smuggled(world).items() if k not in declared}
        body = (world.body_for(route) or {}) | smuggled
        before = snapshot()
        response, _ = world.call(world.allowed_caller(route), route.method, route.path(world.mine.ids), body)
        checked += 1
        named = set((response.json or {}).get("errors", {}))
        if response.status_code != 422 or not set(smuggled) <= named:
            problems.append(f"{route.label}: {response.status_code}, unnamed {sorted(set(smuggled) - named)}")
        if changed := changed_tables(before, snapshot()):
            problems.append(f"{route.label}: changed {changed}")
    assert checked > 25
    assert problems == []


def test_a_therapist_cannot_place_a_new_patient_in_another_caseload(world: World):
    body = {
        "email": "placed@patients-test.org",
        "first_name": "Placed",
        "last_name": "Elsewhere",
        "date_of_birth": "1970-01-01",
        "timezone": "Europe/Berlin",
        "therapist_id": str(world.clinic.other_therapist.id),
    }
    created = world.api.post("/api/v1/patients", world.mine.therapist, json=body)
    assert created.status_code == 201
    assert created.json["therapist_ids"] == [str(world.clinic.therapist.id)]
    assert world.api.get(f"/api/v1/patients/{created.json['id']}", world.theirs.therapist).status_code == 404


def test_a_therapist_cannot_book_for_another_therapist_or_another_caseload(world: World):
    visits = db.session.scalar(select(db.func.count()).select_from(Visit))
    body = {"starts_at": "2026-03-12T15:00:00Z", "duration_minutes": 30, "kind": "follow_up"}
    as_other = body | {
        "patient_id": world.mine.ids["patient_id"],
        "therapist_id": str(world.clinic.other_therapist.id),
    }
    other_patient = body | {"patient_id": world.theirs.ids["patient_id"]}
    assert world.api.post("/api/v1/sessions", world.mine.therapist, json=as_other).status_code == 422
    assert world.api.post("/api/v1/sessions", world.mine.therapist, json=other_patient).status_code == 404
    assert db.session.scalar(select(db.func.count()).select_from(Visit)) == visits


def test_a_patient_cannot_log_against_another_patients_assignment_or_log_id(world: World):
    path = f"/api/v1/patients/{world.mine.ids['patient_id']}/progress-logs"
    foreign_assignment = world.log(world.theirs.ids["assignment_id"])
    theirs = next(
        c for c in world.calls if c.route.label.endswith("progress-logs") and c.actor == world.theirs.patient
    )
    foreign_id = world.log(world.mine.ids["assignment_id"]) | {"id": theirs.body["id"]}
    before = snapshot()
    refused = world.api.post(path, world.mine.patient, json=foreign_assignment)
    reused = world.api.post(path, world.mine.patient, json=foreign_id)
    assert refused.status_code in (404, 422)
    assert reused.status_code == 409
    assert changed_tables(before, snapshot()) == []
    assert world.theirs.ids["patient_id"] not in reused.get_data(as_text=True)


def test_a_patient_may_not_record_a_clinician_measurement(world: World):
    before = snapshot()
    response = world.api.post(
        f"/api/v1/patients/{world.mine.ids['patient_id']}/measurements",
        world.mine.patient,
        json={
            "type": "hip_external_rotation",
            "side": "right",
            "degrees": 40,
            "measured_at": "2026-03-10T09:00:00-05:00",
            "source": "clinician",
        },
    )
    assert response.status_code == 403
    assert changed_tables(before, snapshot()) == []


def _secrets() -> list[str]:
    """Every credential hash the database holds."""
    hashes = list(db.session.scalars(select(User.password_hash).where(User.password_hash.is_not(None))))
    hashes += db.session.scalars(select(ApiToken.token_hash))
    hashes += db.session.scalars(select(OneTimeToken.token_hash))
    return ["password_hash", "token_hash", *hashes]


def _foreign(world: World) -> list[str]:
    """What would identify the other caseload's patient or their records."""
    theirs: Patient = world.theirs.patient_row
    # Clinic-wide objects (the library, templates, the FHIR export) are shared by design.
    ids = [v for k, v in world.theirs.ids.items() if VARIABLES.get(k) != CLINIC]
    return [theirs.user.email, theirs.user.last_name, str(theirs.user_id), *ids]


def _answers(world: World) -> list[tuple[str, User, str]]:
    """(where, caller, text) of every textual answer: the world's writes and every readable route."""
    answers = [(c.route.label, c.actor, c.answer) for c in world.calls]
    for route in api_routes(world.app):
        if route.method != "GET" or route.policy is None or route.policy.public:
            continue
        for role in (Role.THERAPIST, Role.PATIENT, Role.ADMIN):
            if role not in route.policy.roles:
                continue
            caller = world.user_for(role)
            response = world.api.get(route.path(world.mine.ids) + "?per_page=200", caller)
            if response.content_type.startswith(TEXT_TYPES):
                answers.append((f"{route.label} as {role}", caller, response.get_data(as_text=True)))
    return answers


def test_no_answer_carries_a_credential_hash_or_another_caseloads_patient(world: World):
    secrets, foreign = _secrets(), _foreign(world)
    problems = []
    answers = _answers(world)
    for where, caller, text in answers:
        problems += [f"{where}: carries a credential hash" for s in secrets if s in text]
        mine = caller in (world.mine.therapist, world.mine.patient)
        problems += [
            f"{where}: carries {marker!r} of another caseload"
            for marker in foreign
            if mine and marker in text
        ]
    assert len(answers) > 60
    assert problems == []
