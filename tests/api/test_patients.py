"""Staff and patients (API.md "Staff and patients"): who may do what, and scope as 404."""

from __future__ import annotations

import uuid

import pytest

from telehealth.audit.models import AuditEvent
from telehealth.extensions import db
from telehealth.patients.models import Patient

NEW_PATIENT = {
    "email": "new.patient@patients-test.org",
    "first_name": "Nora",
    "last_name": "Newman",
    "date_of_birth": "1984-02-29",
    "timezone": "America/Denver",
    "phone": "+1 303 555 0100",
    "conditions": ["low_back_pain", "hip_mobility_deficit"],
}


def test_therapist_creates_patient_joins_care_team_and_invitation_is_queued(api, clinic, app):
    response = api.post("/api/v1/patients", clinic.therapist.user, json=NEW_PATIENT)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "active"
    assert body["therapist_ids"] == [str(clinic.therapist.id)]
    assert body["conditions"] == ["hip_mobility_deficit", "low_back_pain"]
    assert body["created_at"].endswith("Z")
    # The patient can be found in the caseload, and not by the other therapist.
    assert api.get(f"/api/v1/patients/{body['id']}", clinic.therapist.user).status_code == 200
    assert api.get(f"/api/v1/patients/{body['id']}", clinic.other_therapist.user).status_code == 404


def test_admin_must_name_the_therapist(api, clinic):
    missing = api.post("/api/v1/patients", clinic.admin, json=NEW_PATIENT)
    assert missing.status_code == 422
    assert "therapist_id" in missing.json["errors"]
    unknown = api.post(
        "/api/v1/patients", clinic.admin, json={**NEW_PATIENT, "therapist_id": str(uuid.uuid4())}
    )
    assert unknown.status_code == 422
    named = api.post(
        "/api/v1/patients", clinic.admin, json={**NEW_PATIENT, "therapist_id": str(clinic.other_therapist.id)}
    )
    assert named.status_code == 201
    assert named.json["therapist_ids"] == [str(clinic.other_therapist.id)]


def test_taken_email_is_409_and_nothing_is_written(api, clinic):
    before = db.session.scalar(db.select(db.func.count()).select_from(Patient))
    response = api.post(
        "/api/v1/patients",
        clinic.therapist.user,
        json={**NEW_PATIENT, "email": clinic.other_patient.user.email.upper()},
    )
    assert response.status_code == 409
    assert db.session.scalar(db.select(db.func.count()).select_from(Patient)) == before


def test_patient_may_not_create_patients(api, clinic):
    assert api.post("/api/v1/patients", clinic.patient.user, json=NEW_PATIENT).status_code == 403
    assert api.post("/api/v1/patients", json=NEW_PATIENT).status_code == 401


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not-an-email"),
        ("timezone", "Mars/Olympus_Mons"),
        ("date_of_birth", "2999-01-01"),
        ("date_of_birth", "17/05/1980"),
        ("conditions", ["broken_heart"]),
        ("phone", "call me maybe"),
        ("first_name", ""),
        ("role", "admin"),
    ],
)
def test_bad_fields_are_422_naming_the_field(api, clinic, field, value):
    response = api.post("/api/v1/patients", clinic.therapist.user, json={**NEW_PATIENT, field: value})
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert any(key == field or key.startswith(f"{field}.") for key in response.json["errors"]), response.json


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "{not json", "null"])
def test_body_that_is_not_a_json_object_is_400(api, clinic, body):
    response = api.post("/api/v1/patients", clinic.therapist.user, data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json["status"] == 400


def test_caseload_list_is_scoped_per_role(api, clinic):
    theirs = api.get("/api/v1/patients", clinic.therapist.user).json
    assert [p["id"] for p in theirs["items"]] == [str(clinic.patient.id)]
    assert theirs["total"] == 1 and theirs["page"] == 1 and theirs["per_page"] == 50
    everyone = api.get("/api/v1/patients", clinic.admin).json
    assert {p["id"] for p in everyone["items"]} == {str(clinic.patient.id), str(clinic.other_patient.id)}
    assert api.get("/api/v1/patients", clinic.patient.user).status_code == 403


def test_list_filters_and_paginates(api, clinic):
    from tests.factories import make_patient

    for name in ("Alvarez", "Brown", "Chen"):
        make_patient(clinic.therapist, last_name=name)
    page = api.get("/api/v1/patients?per_page=2&page=2", clinic.therapist.user).json
    assert page["total"] == 4 and len(page["items"]) == 2
    found = api.get("/api/v1/patients?q=chen", clinic.therapist.user).json
    assert [p["last_name"] for p in found["items"]] == ["Chen"]
    assert api.get("/api/v1/patients?status=discharged", clinic.therapist.user).json["total"] == 0
    assert api.get("/api/v1/patients?status=zombie", clinic.therapist.user).status_code == 422
    assert api.get("/api/v1/patients?per_page=201", clinic.therapist.user).status_code == 422


def test_get_patient_scope(api, clinic):
    path = f"/api/v1/patients/{clinic.patient.id}"
    assert api.get(path, clinic.patient.user).status_code == 200
    assert api.get(path, clinic.therapist.user).status_code == 200
    assert api.get(path, clinic.admin).status_code == 200
    assert api.get(path, clinic.other_patient.user).status_code == 404
    assert api.get(path, clinic.other_therapist.user).status_code == 404
    assert api.get(path).status_code == 401
    assert api.get(f"/api/v1/patients/{uuid.uuid4()}", clinic.admin).status_code == 404


def test_patient_may_change_only_phone_and_timezone(api, clinic):
    path = f"/api/v1/patients/{clinic.patient.id}"
    ok = api.patch(path, clinic.patient.user, json={"phone": "+44 20 7946 0000", "timezone": "Europe/London"})
    assert ok.status_code == 200
    assert ok.json["timezone"] == "Europe/London"
    refused = api.patch(path, clinic.patient.user, json={"first_name": "Hacker"})
    assert refused.status_code == 403
    assert api.get(path, clinic.patient.user).json["first_name"] != "Hacker"


def test_care_team_edits_any_field_but_not_status_or_role(api, clinic):
    path = f"/api/v1/patients/{clinic.patient.id}"
    ok = api.patch(
        path,
        clinic.therapist.user,
        json={"last_name": "Renamed", "conditions": ["sciatica"], "rom_asymmetry_threshold_degrees": 12},
    )
    assert ok.status_code == 200
    assert ok.json["last_name"] == "Renamed" and ok.json["rom_asymmetry_threshold_degrees"] == 12
    for field, value in (("status", "discharged"), ("role", "admin"), ("user_id", str(uuid.uuid4()))):
        response = api.patch(path, clinic.therapist.user, json={field: value})
        assert response.status_code == 422
    assert api.get(path, clinic.admin).json["status"] == "active"
    assert api.patch(path, clinic.other_therapist.user, json={"last_name": "X"}).status_code == 404
    assert api.patch(path, clinic.therapist.user, json={"first_name": None}).status_code == 422


def test_discharge_ends_the_patients_access_and_is_not_repeatable(api, clinic):
    patient_token = api.token_for(clinic.patient.user)
    path = f"/api/v1/patients/{clinic.patient.id}/discharge"
    assert api.post(path, clinic.patient.user, json={}).status_code == 403
    assert api.post(path, clinic.other_therapist.user, json={}).status_code == 404
    done = api.post(path, clinic.therapist.user, json={"reason": "goals met"})
    assert done.status_code == 200
    assert done.json["status"] == "discharged" and done.json["discharge_reason"] == "goals met"
    assert api.post(path, clinic.therapist.user).status_code == 409
    me = api.client().get("/api/v1/me", headers={"Authorization": f"Bearer {patient_token}"})
    assert me.status_code == 401


def test_patient_data_is_never_cached(api, clinic):
    response = api.get(f"/api/v1/patients/{clinic.patient.id}", clinic.patient.user)
    assert response.headers["Cache-Control"] == "no-store"


def test_reads_writes_and_refusals_are_audited(api, clinic):
    path = f"/api/v1/patients/{clinic.patient.id}"
    api.get(path, clinic.therapist.user)
    api.get(path, clinic.other_therapist.user)
    api.patch(path, clinic.therapist.user, json={"phone": "+1 555 123 4567"})
    events = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.patient_id == clinic.patient.id).order_by(AuditEvent.at)
    ).all()
    summary = [(e.action, e.outcome, e.actor_id) for e in events]
    assert ("patient.read", "success", clinic.therapist.user.id) in summary
    assert ("patient.update", "success", clinic.therapist.user.id) in summary
    assert ("patient.read", "denied", clinic.other_therapist.user.id) in summary
    assert all(e.request_id for e in events)


def test_a_list_read_is_audited_under_each_patient_it_shows(api, clinic):
    api.get("/api/v1/patients", clinic.admin)
    filed = set(
        db.session.scalars(
            db.select(AuditEvent.patient_id).where(
                AuditEvent.action == "patient.list", AuditEvent.actor_id == clinic.admin.id
            )
        )
    )
    assert {clinic.patient.id, clinic.other_patient.id} <= filed


def test_search_takes_percent_and_underscore_as_typed(api, clinic):
    from tests.factories import make_patient

    make_patient(clinic.therapist, last_name="O_Brien")
    make_patient(clinic.therapist, last_name="Obrien")
    underscore = api.get("/api/v1/patients?q=o_b", clinic.therapist.user).json
    assert [p["last_name"] for p in underscore["items"]] == ["O_Brien"]
    assert api.get("/api/v1/patients?q=%25", clinic.therapist.user).json["total"] == 0
