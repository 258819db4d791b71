"""Assignments and program templates: who prescribes, tailoring with history, ending."""

from __future__ import annotations

import uuid

import pytest
import time_machine

from telehealth.audit.models import AuditEvent
from telehealth.extensions import db
from telehealth.programs.models import Assignment
from tests.factories import UNKNOWN_ID

PRESCRIPTION = {
    "sets": 3,
    "reps": 12,
    "hold_seconds": None,
    "side": "left",
    "times_per_day": 2,
    "days_of_week": ["fri", "mon", "wed"],
    "start_date": "2026-03-02",
    "end_date": "2026-04-30",
    "notes": "Slow on the way down.",
}


def _path(patient) -> str:
    return f"/api/v1/patients/{patient.id}/assignments"


def test_therapist_assigns_the_full_prescription_and_it_starts_active(api, clinic, library):
    body = {"exercise_id": library["Clamshell"], **PRESCRIPTION}
    response = api.post(_path(clinic.patient), clinic.therapist.user, json=body)
    assert response.status_code == 201, response.json
    assignment = response.json
    assert assignment["status"] == "active" and assignment["history"] == []
    assert assignment["days_of_week"] == ["mon", "wed", "fri"]
    assert assignment["exercise"]["name"] == "Clamshell"
    for field in ("sets", "reps", "side", "times_per_day", "start_date", "end_date", "notes"):
        assert assignment[field] == PRESCRIPTION[field], field


def test_left_out_dose_takes_the_exercise_default_and_schedule_defaults_to_every_day(api, clinic, library):
    body = {
        "exercise_id": library["Figure-4 (piriformis) stretch"],
        "side": "both",
        "start_date": "2026-03-02",
    }
    assignment = api.post(_path(clinic.patient), clinic.therapist.user, json=body).json
    assert (assignment["sets"], assignment["reps"], assignment["hold_seconds"]) == (3, None, 30)
    assert assignment["days_of_week"] == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    assert assignment["times_per_day"] == 1 and assignment["end_date"] is None


def test_only_the_care_team_assigns(api, clinic, library):
    body = {"exercise_id": library["Clamshell"], **PRESCRIPTION}
    assert api.post(_path(clinic.patient), clinic.admin, json=body).status_code == 403
    assert api.post(_path(clinic.patient), clinic.patient.user, json=body).status_code == 403
    assert api.post(_path(clinic.patient), clinic.other_therapist.user, json=body).status_code == 404
    assert api.post(_path(clinic.patient), json=body).status_code == 401
    assert db.session.scalar(db.select(db.func.count()).select_from(Assignment)) == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sets", 0),
        ("sets", 21),
        ("sets", None),
        ("reps", 0),
        ("reps", 101),
        ("hold_seconds", -1),
        ("hold_seconds", 601),
        ("side", "middle"),
        ("times_per_day", 0),
        ("times_per_day", 7),
        ("days_of_week", []),
        ("days_of_week", ["mon", "mon"]),
        ("days_of_week", ["monday"]),
        ("start_date", "2026-02-30"),
        ("start_date", "1066-10-14"),
        ("start_date", None),
        ("end_date", "2026-03-01"),
        ("notes", "x" * 2001),
        ("exercise_id", UNKNOWN_ID),
        ("exercise_id", "not-a-uuid"),
        ("status", "ended"),
    ],
)
def test_bad_prescription_fields_are_422_naming_the_field_and_nothing_is_written(
    api, clinic, library, field, value
):
    body = {"exercise_id": library["Clamshell"], **PRESCRIPTION, field: value}
    response = api.post(_path(clinic.patient), clinic.therapist.user, json=body)
    assert response.status_code == 422
    assert any(key == field or key.startswith(f"{field}.") for key in response.json["errors"]), response.json
    assert db.session.scalar(db.select(db.func.count()).select_from(Assignment)) == 0


def test_archived_exercise_cannot_be_assigned(api, clinic, library):
    api.patch(f"/api/v1/exercises/{library['Side plank']}", clinic.admin, json={"archived": True})
    body = {"exercise_id": library["Side plank"], **PRESCRIPTION}
    response = api.post(_path(clinic.patient), clinic.therapist.user, json=body)
    assert response.status_code == 422
    assert "archived" in response.json["errors"]["exercise_id"][0]


def test_discharged_patient_gets_no_new_assignments(api, clinic, library):
    api.post(f"/api/v1/patients/{clinic.patient.id}/discharge", clinic.therapist.user, json={})
    body = {"exercise_id": library["Clamshell"], **PRESCRIPTION}
    assert api.post(_path(clinic.patient), clinic.therapist.user, json=body).status_code == 409


def test_list_is_scoped_and_filters_by_status(api, clinic, assign):
    kept = assign(exercise="Clamshell")
    ended = assign(exercise="Glute bridge")
    api.post(f"/api/v1/assignments/{ended['id']}/end", clinic.therapist.user)
    path = _path(clinic.patient)
    for user in (clinic.patient.user, clinic.therapist.user, clinic.admin):
        active = api.get(path, user).json
        assert [a["id"] for a in active["items"]] == [kept["id"]] and active["total"] == 1
    assert [a["id"] for a in api.get(f"{path}?status=ended", clinic.admin).json["items"]] == [ended["id"]]
    assert api.get(f"{path}?status=all", clinic.patient.user).json["total"] == 2
    assert api.get(f"{path}?status=paused", clinic.patient.user).status_code == 422
    assert api.get(path, clinic.other_patient.user).status_code == 404
    assert api.get(path, clinic.other_therapist.user).status_code == 404


def test_tailoring_keeps_the_earlier_prescription_in_history(api, clinic, assign):
    assignment = assign(sets=3, reps=10, days_of_week=["mon", "thu"])
    path = f"/api/v1/assignments/{assignment['id']}"
    with time_machine.travel("2026-03-10T15:00:00Z", tick=False):
        first = api.patch(path, clinic.therapist.user, json={"sets": 4, "reps": None, "hold_seconds": 20})
    assert first.status_code == 200, first.json
    assert (first.json["sets"], first.json["reps"], first.json["hold_seconds"]) == (4, None, 20)
    [entry] = first.json["history"]
    assert entry["changed_at"] == "2026-03-10T15:00:00Z"
    assert entry["changed_by"] == str(clinic.therapist.user.id)
    assert entry["prescription"]["sets"] == 3 and entry["prescription"]["reps"] == 10
    assert entry["prescription"]["days_of_week"] == ["mon", "thu"]
    second = api.patch(path, clinic.therapist.user, json={"days_of_week": ["sun"]}).json
    assert [h["prescription"]["sets"] for h in second["history"]] == [3, 4]
    # Sending the current values again is not a change and adds no history.
    same = api.patch(path, clinic.therapist.user, json={"days_of_week": ["sun"], "sets": 4}).json
    assert len(same["history"]) == 2
    assert api.get(path, clinic.patient.user).json["history"] == second["history"]


def test_tailoring_is_the_care_teams_and_checks_every_field(api, clinic, assign):
    assignment = assign(start_date="2026-03-02")
    path = f"/api/v1/assignments/{assignment['id']}"
    assert api.patch(path, clinic.patient.user, json={"sets": 5}).status_code == 403
    assert api.patch(path, clinic.admin, json={"sets": 5}).status_code == 403
    assert api.patch(path, clinic.other_therapist.user, json={"sets": 5}).status_code == 404
    assert api.patch(f"/api/v1/assignments/{uuid.uuid4()}", clinic.therapist.user, json={}).status_code == 404
    for field, value in (
        ("sets", 99),
        ("side", None),
        ("exercise_id", str(uuid.uuid4())),
        ("end_date", "2026-03-01"),
    ):
        response = api.patch(path, clinic.therapist.user, json={field: value})
        assert response.status_code == 422 and field in response.json["errors"], (field, response.json)
    assert api.get(path, clinic.therapist.user).json["history"] == []


def test_ending_keeps_the_logs_and_a_second_end_or_edit_is_409(api, clinic, assign):
    assignment = assign()
    path = f"/api/v1/assignments/{assignment['id']}"
    with time_machine.travel("2026-03-10T15:00:00Z", tick=False):
        logged = api.post(
            f"/api/v1/patients/{clinic.patient.id}/progress-logs",
            clinic.patient.user,
            json={
                "id": str(uuid.uuid4()),
                "assignment_id": assignment["id"],
                "performed_at": "2026-03-10T14:00:00Z",
                "sets_completed": 3,
                "pain_score": 2,
            },
        )
        assert logged.status_code == 201
        assert api.post(f"{path}/end", clinic.patient.user).status_code == 403
        assert api.post(f"{path}/end", clinic.admin).status_code == 403
        assert api.post(f"{path}/end", clinic.other_therapist.user).status_code == 404
        ended = api.post(f"{path}/end", clinic.therapist.user)
        assert ended.status_code == 200 and ended.json["status"] == "ended"
        assert ended.json["ended_at"] == "2026-03-10T15:00:00Z"
        assert api.post(f"{path}/end", clinic.therapist.user).status_code == 409
        assert api.patch(path, clinic.therapist.user, json={"sets": 1}).status_code == 409
        logs = api.get(f"/api/v1/patients/{clinic.patient.id}/progress-logs", clinic.therapist.user).json
    assert [log["id"] for log in logs["items"]] == [logged.json["id"]]


def test_assignment_reads_and_writes_are_audited_under_the_patient(api, clinic, assign):
    assignment = assign()
    api.patch(f"/api/v1/assignments/{assignment['id']}", clinic.therapist.user, json={"sets": 2})
    api.get(_path(clinic.patient), clinic.admin)
    events = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action.like("assignment.%")).order_by(AuditEvent.at)
    ).all()
    assert [(e.action, e.patient_id) for e in events] == [
        ("assignment.create", clinic.patient.id),
        ("assignment.update", clinic.patient.id),
        ("assignment.list", clinic.patient.id),
    ]
    assert events[0].resource_id == events[1].resource_id == assignment["id"]


# --- program templates ----------------------------------------------------------------------


def _template(library) -> dict:
    return {
        "name": "Hip mobility, phase 1",
        "description": "Early rotation work after evaluation.",
        "items": [
            {"exercise_id": library["Seated hip internal rotation"], "side": "both", "times_per_day": 2},
            {"exercise_id": library["90/90 hip switches"], "sets": 3, "reps": 6, "side": "none"},
            {
                "exercise_id": library["Figure-4 (piriformis) stretch"],
                "side": "both",
                "days_of_week": ["mon", "wed", "fri"],
                "notes": "Breathe out into the stretch.",
            },
        ],
    }


def test_clinicians_create_and_list_templates_patients_may_not(api, clinic, library):
    created = api.post("/api/v1/program-templates", clinic.therapist.user, json=_template(library))
    assert created.status_code == 201, created.json
    items = created.json["items"]
    assert [item["exercise"]["name"] for item in items] == [
        "Seated hip internal rotation",
        "90/90 hip switches",
        "Figure-4 (piriformis) stretch",
    ]
    assert (items[0]["sets"], items[0]["reps"]) == (2, 10)  # the exercise's default dose
    assert (items[1]["sets"], items[1]["reps"]) == (3, 6)
    listed = api.get("/api/v1/program-templates?q=mobility", clinic.admin).json
    assert [t["id"] for t in listed["items"]] == [created.json["id"]] and listed["total"] == 1
    assert api.get("/api/v1/program-templates?q=strength", clinic.admin).json["total"] == 0
    assert api.get("/api/v1/program-templates", clinic.patient.user).status_code == 403
    assert (
        api.post("/api/v1/program-templates", clinic.patient.user, json=_template(library)).status_code == 403
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"items": []}, "items"),
        ({"name": ""}, "name"),
        ({"items": [{"side": "both"}]}, "items.0.exercise_id"),
        ({"items": [{"exercise_id": str(uuid.uuid4()), "side": "both"}]}, "items.0.exercise_id"),
        ({"items": [{"exercise_id": "{clamshell}", "side": "both", "sets": 50}]}, "items.0.sets"),
        (
            {"items": [{"exercise_id": "{clamshell}", "side": "both", "start_date": "2026-01-01"}]},
            "items.0.start_date",
        ),
    ],
)
def test_bad_template_fields_are_422_naming_the_field(api, clinic, library, change, field):
    body = _template(library) | change
    for item in body["items"]:
        if item.get("exercise_id") == "{clamshell}":
            item["exercise_id"] = library["Clamshell"]
    response = api.post("/api/v1/program-templates", clinic.therapist.user, json=body)
    assert response.status_code == 422
    assert field in response.json["errors"], response.json


def test_applying_a_template_creates_one_assignment_per_item_each_tailored_alone(api, clinic, library):
    template = api.post("/api/v1/program-templates", clinic.therapist.user, json=_template(library)).json
    path = f"/api/v1/patients/{clinic.patient.id}/program-templates/{template['id']}/apply"
    applied = api.post(
        path, clinic.therapist.user, json={"start_date": "2026-03-02", "end_date": "2026-04-12"}
    )
    assert applied.status_code == 201, applied.json
    assignments = applied.json["assignments"]
    assert len(assignments) == 3
    assert all(a["start_date"] == "2026-03-02" and a["end_date"] == "2026-04-12" for a in assignments)
    assert all(a["template_id"] == template["id"] and a["status"] == "active" for a in assignments)
    assert assignments[2]["days_of_week"] == ["mon", "wed", "fri"]
    tailored = api.patch(
        f"/api/v1/assignments/{assignments[0]['id']}", clinic.therapist.user, json={"sets": 5}
    )
    assert tailored.json["sets"] == 5
    others = api.get(f"/api/v1/patients/{clinic.patient.id}/assignments", clinic.patient.user).json["items"]
    assert sorted(a["sets"] for a in others) == [3, 3, 5]
    # The template itself is untouched.
    again = api.get(f"/api/v1/program-templates/{template['id']}", clinic.therapist.user).json
    assert [item["sets"] for item in again["items"]] == [2, 3, 3]


def test_applying_is_the_care_teams_and_all_or_nothing(api, clinic, library):
    template = api.post("/api/v1/program-templates", clinic.therapist.user, json=_template(library)).json
    path = f"/api/v1/patients/{clinic.patient.id}/program-templates/{template['id']}/apply"
    body = {"start_date": "2026-03-02"}
    assert api.post(path, clinic.other_therapist.user, json=body).status_code == 404
    assert api.post(path, clinic.admin, json=body).status_code == 403
    assert api.post(path, clinic.patient.user, json=body).status_code == 403
    unknown = f"/api/v1/patients/{clinic.patient.id}/program-templates/{uuid.uuid4()}/apply"
    assert api.post(unknown, clinic.therapist.user, json=body).status_code == 404
    backwards = api.post(
        path, clinic.therapist.user, json={"start_date": "2026-03-02", "end_date": "2026-03-01"}
    )
    assert backwards.status_code == 422 and "end_date" in backwards.json["errors"]
    api.patch(f"/api/v1/exercises/{library['90/90 hip switches']}", clinic.admin, json={"archived": True})
    archived = api.post(path, clinic.therapist.user, json=body)
    assert archived.status_code == 422 and "template_id" in archived.json["errors"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Assignment)) == 0
