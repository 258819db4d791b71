"""The exercise library (API.md "Exercises and home programs")."""

from __future__ import annotations

import uuid

import pytest

from telehealth.audit.models import AuditEvent
from telehealth.extensions import db
from telehealth.programs.library import LIBRARY, seed_library
from telehealth.programs.models import Exercise
from tests.factories import UNKNOWN_ID

NEW_EXERCISE = {
    "name": "Hip hinge with dowel",
    "instructions": "Hold a dowel along your spine and hinge at the hips. Keep three points of contact.",
    "body_region": "hip",
    "category": "motor_control",
    "default_sets": 2,
    "default_reps": 8,
}


def test_library_holds_the_24_domain_exercises_with_instructions_and_a_dose(api, clinic, library):
    page = api.get("/api/v1/exercises?per_page=200", clinic.patient.user).json
    assert page["total"] == 24 == len(LIBRARY)
    by_name = {item["name"]: item for item in page["items"]}
    assert set(by_name) == set(library)
    for item in page["items"]:
        sentences = [s for s in item["instructions"].split(". ") if s]
        assert 2 <= len(sentences) <= 5, item["name"]
        assert item["default_sets"] >= 1
        assert item["default_reps"] or item["default_hold_seconds"], item["name"]
        assert item["archived"] is False and item["author_id"] is None
    regions = {item["body_region"] for item in page["items"]}
    categories = {item["category"] for item in page["items"]}
    assert regions == {"hip", "lumbar", "core"}
    assert categories == {"mobility", "stretch", "strength", "motor_control"}


def test_seeding_the_library_twice_adds_nothing(app, library):
    assert seed_library() == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(Exercise)) == 24


def test_list_filters_by_text_region_and_category(api, clinic, library):
    user = clinic.therapist.user
    found = api.get("/api/v1/exercises?q=CLAM", user).json
    assert [item["name"] for item in found["items"]] == ["Clamshell", "Reverse clamshell"]
    lumbar = api.get("/api/v1/exercises?body_region=lumbar", user).json
    assert {item["name"] for item in lumbar["items"]} == {
        "Supine knee-to-chest",
        "Pelvic tilt",
        "Cat-camel",
        "Prone press-up",
    }
    core_strength = api.get("/api/v1/exercises?body_region=core&category=strength", user).json
    assert {item["name"] for item in core_strength["items"]} == {"Front plank", "Side plank"}
    # A wildcard typed by the user is a literal character, not "match anything".
    assert api.get("/api/v1/exercises?q=%25", user).json["total"] == 0
    paged = api.get("/api/v1/exercises?per_page=5&page=2", user).json
    assert paged["total"] == 24 and len(paged["items"]) == 5 and paged["page"] == 2


@pytest.mark.parametrize(
    "query", ["body_region=knee", "category=cardio", "per_page=201", "page=0", "include_archived=maybe"]
)
def test_bad_list_filters_are_422_naming_the_parameter(api, clinic, library, query):
    response = api.get(f"/api/v1/exercises?{query}", clinic.therapist.user)
    assert response.status_code == 422
    assert query.split("=")[0] in response.json["errors"]


def test_exercise_reads_need_sign_in_and_unknown_ids_are_404(api, clinic, library):
    exercise_id = library["Glute bridge"]
    assert api.get(f"/api/v1/exercises/{exercise_id}").status_code == 401
    read = api.get(f"/api/v1/exercises/{exercise_id}", clinic.patient.user)
    assert read.status_code == 200
    assert set(read.json) >= {
        "id",
        "name",
        "instructions",
        "body_region",
        "category",
        "media_url",
        "default_sets",
        "default_reps",
        "default_hold_seconds",
        "archived",
    }
    assert api.get(f"/api/v1/exercises/{uuid.uuid4()}", clinic.patient.user).status_code == 404


def test_therapist_adds_an_exercise_and_patients_may_not(api, clinic, library):
    created = api.post("/api/v1/exercises", clinic.therapist.user, json=NEW_EXERCISE)
    assert created.status_code == 201, created.json
    assert created.json["author_id"] == str(clinic.therapist.user.id)
    assert created.json["default_sets"] == 2 and created.json["default_hold_seconds"] is None
    assert api.post("/api/v1/exercises", clinic.admin, json=NEW_EXERCISE).status_code == 201
    assert api.post("/api/v1/exercises", clinic.patient.user, json=NEW_EXERCISE).status_code == 403
    assert api.get("/api/v1/exercises", clinic.patient.user).json["total"] == 26


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("name", "x" * 121),
        ("instructions", ""),
        ("body_region", "knee"),
        ("category", "cardio"),
        ("media_url", "javascript:alert(1)"),
        ("media_url", "not a url"),
        ("default_sets", 0),
        ("default_sets", 21),
        ("default_reps", 0),
        ("default_reps", 101),
        ("default_hold_seconds", -1),
        ("default_hold_seconds", 601),
        ("author_id", UNKNOWN_ID),
    ],
)
def test_bad_exercise_fields_are_422_naming_the_field(api, clinic, library, field, value):
    response = api.post("/api/v1/exercises", clinic.therapist.user, json={**NEW_EXERCISE, field: value})
    assert response.status_code == 422
    assert field in response.json["errors"], response.json


def test_only_the_author_or_an_admin_may_edit_an_exercise(api, clinic, library):
    mine = api.post("/api/v1/exercises", clinic.therapist.user, json=NEW_EXERCISE).json
    path = f"/api/v1/exercises/{mine['id']}"
    assert api.patch(path, clinic.other_therapist.user, json={"name": "Stolen"}).status_code == 403
    assert api.patch(path, clinic.patient.user, json={"name": "Mine now"}).status_code == 403
    edited = api.patch(path, clinic.therapist.user, json={"name": "Dowel hip hinge", "media_url": None})
    assert edited.status_code == 200 and edited.json["name"] == "Dowel hip hinge"
    by_admin = api.patch(path, clinic.admin, json={"default_reps": None, "default_hold_seconds": 5})
    assert by_admin.status_code == 200 and by_admin.json["default_hold_seconds"] == 5
    # The seeded library has no author: therapists may not change it, admins may.
    library_path = f"/api/v1/exercises/{library['Bird dog']}"
    assert api.patch(library_path, clinic.therapist.user, json={"default_sets": 2}).status_code == 403
    assert api.patch(library_path, clinic.admin, json={"default_sets": 2}).json["default_sets"] == 2
    assert api.patch(path, clinic.admin, json={"name": None}).status_code == 422


def test_archived_exercise_is_hidden_from_lists_but_never_deleted(api, clinic, library):
    path = f"/api/v1/exercises/{library['Side plank']}"
    archived = api.patch(path, clinic.admin, json={"archived": True})
    assert archived.status_code == 200 and archived.json["archived"] is True
    names = {
        i["name"] for i in api.get("/api/v1/exercises?per_page=200", clinic.therapist.user).json["items"]
    }
    assert "Side plank" not in names and len(names) == 23
    everything = api.get("/api/v1/exercises?per_page=200&include_archived=true", clinic.therapist.user).json
    assert everything["total"] == 24
    assert api.get(path, clinic.patient.user).json["archived"] is True


def test_exercise_reads_and_writes_are_audited(api, clinic, library):
    api.get(f"/api/v1/exercises/{library['Clamshell']}", clinic.patient.user)
    created = api.post("/api/v1/exercises", clinic.therapist.user, json=NEW_EXERCISE).json
    events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.resource_type == "exercise")).all()
    assert {(e.action, e.resource_id) for e in events} >= {
        ("exercise.read", library["Clamshell"]),
        ("exercise.create", created["id"]),
    }
