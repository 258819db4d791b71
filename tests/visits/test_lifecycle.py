"""A visit's life: reschedule, cancel, start, complete with SOAP notes, no-show; every other move is 409."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import make_patient
from tests.visits.conftest import TOMORROW_10, book, path

NOTES = {
    "subjective": "Low back pain 4/10 after long drives.",
    "objective": "Right hip internal rotation 28 degrees, left 40.",
    "assessment": "Right hip rotation deficit loading the lumbar spine.",
    "plan": "Daily seated hip internal rotation, 3 sets of 10; review in two weeks.",
}


def test_reschedule_moves_the_visit_and_raises_the_sequence(api, clinic, visit):
    moved = api.patch(path(visit), clinic.therapist.user, json={"starts_at": "2026-11-02T09:00:00-05:00"})
    assert moved.status_code == 200, moved.json
    assert moved.json["starts_at"] == "2026-11-02T14:00:00Z"
    assert moved.json["ends_at"] == "2026-11-02T15:00:00Z"
    assert moved.json["sequence"] == 1

    longer = api.patch(path(visit), clinic.admin, json={"duration_minutes": 90})
    assert longer.status_code == 200
    assert longer.json["starts_at"] == "2026-11-02T14:00:00Z"
    assert longer.json["ends_at"] == "2026-11-02T15:30:00Z"
    assert longer.json["sequence"] == 2

    same = api.patch(path(visit), clinic.therapist.user, json={"duration_minutes": 90})
    assert same.json["sequence"] == 2  # nothing moved, so calendars need no update


def test_reschedule_into_an_overlap_is_409_and_changes_nothing(api, clinic, visit):
    other_patient = make_patient(clinic.therapist)
    later = book(api, clinic.therapist.user, other_patient, TOMORROW_10 + timedelta(hours=2)).json
    clash = api.patch(path(later), clinic.therapist.user, json={"starts_at": visit["starts_at"]})
    assert clash.status_code == 409
    assert api.get(path(later), clinic.therapist.user).json == later

    # Moving a visit over its own old time is no clash.
    shifted = (TOMORROW_10 + timedelta(minutes=30)).isoformat()
    assert api.patch(path(visit), clinic.therapist.user, json={"starts_at": shifted}).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "_schema"),
        ({"starts_at": None}, "starts_at"),
        ({"duration_minutes": None}, "duration_minutes"),
        ({"starts_at": "2026-10-31T10:00:00"}, "starts_at"),
        ({"starts_at": "2026-10-29T10:00:00Z"}, "starts_at"),
        ({"duration_minutes": 200}, "duration_minutes"),
        ({"patient_id": "3c4f5d3e-0000-4000-8000-000000000000"}, "patient_id"),
    ],
)
def test_bad_reschedule_input_is_422_and_changes_nothing(api, clinic, visit, body, field):
    response = api.patch(path(visit), clinic.therapist.user, json=body)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]
    assert api.get(path(visit), clinic.therapist.user).json == visit


def test_only_clinicians_of_the_visit_reschedule(api, clinic, visit):
    body = {"duration_minutes": 30}
    assert api.patch(path(visit), clinic.patient.user, json=body).status_code == 403
    assert api.patch(path(visit), clinic.other_therapist.user, json=body).status_code == 404
    assert api.patch(path(visit), clinic.other_patient.user, json=body).status_code == 404
    assert api.get(path(visit), clinic.therapist.user).json["duration_minutes"] == 60


def test_the_patient_cancels_with_a_reason(api, clinic, visit):
    response = api.post(path(visit, "cancel"), clinic.patient.user, json={"reason": "Car broke down"})
    assert response.status_code == 200
    assert response.json["status"] == "cancelled"
    assert response.json["cancel_reason"] == "Car broke down"
    assert response.json["cancelled_at"] == "2026-10-30T14:00:00Z"


@pytest.mark.parametrize("who", ["therapist", "admin"])
def test_the_therapist_and_admins_cancel_too(api, clinic, visit, who):
    user = clinic.admin if who == "admin" else clinic.therapist.user
    response = api.post(path(visit, "cancel"), user)
    assert response.status_code == 200
    assert response.json["status"] == "cancelled"
    assert response.json["cancel_reason"] is None


def test_outsiders_cannot_cancel_and_do_not_learn_the_visit_exists(api, clinic, visit):
    assert api.post(path(visit, "cancel"), clinic.other_therapist.user, json={}).status_code == 404
    assert api.post(path(visit, "cancel"), clinic.other_patient.user, json={}).status_code == 404
    assert api.get(path(visit), clinic.patient.user).json["status"] == "scheduled"


def test_a_visit_runs_from_scheduled_to_in_progress_to_completed(api, clinic, visit, clock):
    clock.move_to(TOMORROW_10 - timedelta(minutes=2), tick=False)
    started = api.post(path(visit, "start"), clinic.therapist.user)
    assert started.status_code == 200
    assert started.json["status"] == "in_progress"
    assert started.json["started_at"] == "2026-10-31T13:58:00Z"

    clock.move_to(TOMORROW_10 + timedelta(minutes=55), tick=False)
    completed = api.post(path(visit, "complete"), clinic.therapist.user, json={"notes": NOTES})
    assert completed.status_code == 200
    assert completed.json["status"] == "completed"
    assert completed.json["completed_at"] == "2026-10-31T14:55:00Z"
    assert completed.json["notes"] == NOTES


def test_the_patient_reads_only_the_plan_of_the_notes(api, clinic, visit, clock):
    clock.move_to(TOMORROW_10, tick=False)
    api.post(path(visit, "start"), clinic.therapist.user)
    api.post(path(visit, "complete"), clinic.therapist.user, json={"notes": NOTES})

    own = api.get(path(visit), clinic.patient.user).json
    assert own["notes"] == {"plan": NOTES["plan"]}
    listed = api.get("/api/v1/sessions", clinic.patient.user).json["items"]
    assert [item["notes"] for item in listed] == [{"plan": NOTES["plan"]}]
    assert api.get(path(visit), clinic.therapist.user).json["notes"] == NOTES
    assert api.get(path(visit), clinic.admin).json["notes"] == NOTES


@pytest.mark.parametrize(
    "notes",
    [
        {key: value for key, value in NOTES.items() if key != "plan"},
        {**NOTES, "diagnosis": "M54.5"},
        {**NOTES, "plan": None},
        {**NOTES, "plan": "x" * 20_001},
    ],
)
def test_completing_needs_all_four_soap_notes(api, clinic, visit, clock, notes):
    clock.move_to(TOMORROW_10, tick=False)
    api.post(path(visit, "start"), clinic.therapist.user)
    response = api.post(path(visit, "complete"), clinic.therapist.user, json={"notes": notes})
    assert response.status_code == 422
    assert any(key.startswith("notes") for key in response.json["errors"])
    assert api.get(path(visit), clinic.therapist.user).json["status"] == "in_progress"


@pytest.mark.parametrize("action", ["start", "complete", "no-show"])
def test_only_the_visits_therapist_starts_completes_and_marks_no_shows(api, clinic, visit, clock, action):
    clock.move_to(TOMORROW_10 + timedelta(minutes=5), tick=False)
    body = {"notes": NOTES} if action == "complete" else None
    assert api.post(path(visit, action), clinic.patient.user, json=body).status_code == 403
    assert api.post(path(visit, action), clinic.admin, json=body).status_code == 403
    assert api.post(path(visit, action), clinic.other_therapist.user, json=body).status_code == 404
    assert api.get(path(visit), clinic.therapist.user).json["status"] == "scheduled"


def test_a_visit_can_be_started_once_its_room_opens(api, clinic, visit, clock):
    clock.move_to(TOMORROW_10 - timedelta(minutes=16), tick=False)
    assert api.post(path(visit, "start"), clinic.therapist.user).status_code == 409
    clock.move_to(TOMORROW_10 - timedelta(minutes=15), tick=False)
    assert api.post(path(visit, "start"), clinic.therapist.user).status_code == 200


def test_a_no_show_is_marked_only_after_the_start_time(api, clinic, visit, clock):
    clock.move_to(TOMORROW_10 - timedelta(seconds=1), tick=False)
    early = api.post(path(visit, "no-show"), clinic.therapist.user)
    assert early.status_code == 409
    assert api.get(path(visit), clinic.therapist.user).json["status"] == "scheduled"

    clock.move_to(TOMORROW_10 + timedelta(minutes=10), tick=False)
    marked = api.post(path(visit, "no-show"), clinic.therapist.user)
    assert marked.status_code == 200
    assert marked.json["status"] == "no_show"
    assert marked.json["no_show_at"] == "2026-10-31T14:10:00Z"


# How to bring the fixture visit (scheduled) into each status, as (action, body) steps.
TO_STATUS = {
    "scheduled": [],
    "in_progress": [("start", None)],
    "completed": [("start", None), ("complete", {"notes": NOTES})],
    "cancelled": [("cancel", {"reason": "ill"})],
    "no_show": [("no-show", None)],
}
ALLOWED = {
    ("scheduled", "start"),
    ("scheduled", "cancel"),
    ("scheduled", "no-show"),
    ("scheduled", "reschedule"),
    ("in_progress", "complete"),
}
ILLEGAL = [
    (status, action)
    for status in TO_STATUS
    for action in ("start", "complete", "cancel", "no-show", "reschedule")
    if (status, action) not in ALLOWED
]


@pytest.mark.parametrize(("status", "action"), ILLEGAL)
def test_every_other_transition_is_409_and_changes_nothing(api, clinic, visit, clock, status, action):
    clock.move_to(TOMORROW_10 + timedelta(minutes=5), tick=False)
    for step, body in TO_STATUS[status]:
        assert api.post(path(visit, step), clinic.therapist.user, json=body).status_code == 200
    before = api.get(path(visit), clinic.therapist.user).json
    assert before["status"] == status

    if action == "reschedule":
        response = api.patch(path(visit), clinic.therapist.user, json={"duration_minutes": 30})
    else:
        body = {"notes": NOTES} if action == "complete" else None
        response = api.post(path(visit, action), clinic.therapist.user, json=body)
    assert response.status_code == 409, response.json
    assert response.mimetype == "application/problem+json"
    assert api.get(path(visit), clinic.therapist.user).json == before
