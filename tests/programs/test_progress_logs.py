"""Offline-safe progress logs (API.md "Progress logs (offline-safe)")."""

from __future__ import annotations

import uuid

import pytest
import time_machine

from telehealth.audit.models import AuditEvent
from telehealth.extensions import db
from telehealth.progress.models import ProgressLog
from tests.factories import UNKNOWN_ID
from tests.programs.helpers import log_body
from tests.support.queries import counting_queries

NOW = "2026-03-10T15:00:00Z"  # a Tuesday; New York is on daylight time (UTC-4)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _logs_path(patient) -> str:
    return f"/api/v1/patients/{patient.id}/progress-logs"


def _stored() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(ProgressLog))


def test_patient_logs_and_the_same_id_and_body_again_is_200_with_nothing_added(api, clinic, assign, frozen):
    body = log_body(assign(), "2026-03-10T13:30:00Z", side="left", notes="Felt easier today")
    first = api.post(_logs_path(clinic.patient), clinic.patient.user, json=body)
    assert first.status_code == 201, first.json
    assert first.json["id"] == body["id"] and first.json["performed_at"] == "2026-03-10T13:30:00Z"
    assert first.json["recorded_by"] == str(clinic.patient.user.id)
    again = api.post(_logs_path(clinic.patient), clinic.patient.user, json=body)
    assert again.status_code == 200
    assert again.json == first.json
    assert _stored() == 1


def test_the_same_instant_written_in_another_offset_is_the_same_body(api, clinic, assign, frozen):
    body = log_body(assign(), "2026-03-10T13:30:00Z")
    api.post(_logs_path(clinic.patient), clinic.patient.user, json=body)
    local = api.post(
        _logs_path(clinic.patient),
        clinic.patient.user,
        json=body | {"performed_at": "2026-03-10T09:30:00-04:00"},
    )
    assert local.status_code == 200 and _stored() == 1


def test_the_same_id_with_another_body_is_409_and_the_stored_log_is_kept(api, clinic, assign, frozen):
    body = log_body(assign(), "2026-03-10T13:30:00Z", pain_score=3)
    api.post(_logs_path(clinic.patient), clinic.patient.user, json=body)
    changed = api.post(_logs_path(clinic.patient), clinic.patient.user, json=body | {"pain_score": 7})
    assert changed.status_code == 409
    assert changed.content_type == "application/problem+json"
    [stored] = api.get(_logs_path(clinic.patient), clinic.patient.user).json["items"]
    assert stored["pain_score"] == 3


def test_care_team_may_log_for_the_patient_admins_and_others_may_not(api, clinic, assign, frozen):
    assignment = assign()
    path = _logs_path(clinic.patient)
    assert api.post(path, clinic.therapist.user, json=log_body(assignment, NOW)).status_code == 201
    assert api.post(path, clinic.admin, json=log_body(assignment, NOW)).status_code == 403
    assert api.post(path, clinic.other_therapist.user, json=log_body(assignment, NOW)).status_code == 404
    assert api.post(path, clinic.other_patient.user, json=log_body(assignment, NOW)).status_code == 404
    assert api.post(path, json=log_body(assignment, NOW)).status_code == 401
    assert _stored() == 1


def test_a_log_for_another_patients_assignment_is_404_and_not_written(api, clinic, assign, frozen):
    theirs = assign(patient=clinic.other_patient)
    response = api.post(_logs_path(clinic.patient), clinic.patient.user, json=log_body(theirs, NOW))
    assert response.status_code == 404
    unknown = log_body({"id": str(uuid.uuid4())}, NOW)
    assert api.post(_logs_path(clinic.patient), clinic.patient.user, json=unknown).status_code == 404
    assert _stored() == 0


@pytest.mark.parametrize(
    ("start_date", "performed_at", "allowed"),
    [
        ("2026-01-01", "2026-03-10T15:04:59Z", True),  # a phone clock may run up to 5 minutes ahead
        ("2026-01-01", "2026-03-10T15:05:01Z", False),
        ("2026-01-01", "2026-02-08T15:00:01Z", True),  # just under 30 days old
        ("2026-01-01", "2026-02-08T14:59:59Z", False),
        # New York is UTC-5 until 8 March: 04:30Z on the 5th is 23:30 on the 4th there.
        ("2026-03-05", "2026-03-05T05:00:00Z", True),
        ("2026-03-05", "2026-03-05T04:30:00Z", False),
    ],
)
def test_performed_at_must_lie_in_the_allowed_window(
    api, clinic, assign, frozen, start_date, performed_at, allowed
):
    assignment = assign(start_date=start_date)
    response = api.post(
        _logs_path(clinic.patient), clinic.patient.user, json=log_body(assignment, performed_at)
    )
    if allowed:
        assert response.status_code == 201, response.json
    else:
        assert response.status_code == 422
        assert list(response.json["errors"]) == ["performed_at"]
        assert _stored() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", "not-a-uuid"),
        ("id", None),
        ("assignment_id", "nope"),
        ("performed_at", "2026-03-10T13:30:00"),  # naive
        ("performed_at", "0001-01-01T00:00:00+05:00"),
        ("performed_at", "yesterday"),
        ("sets_completed", 0),
        ("sets_completed", 21),
        ("reps_completed", 101),
        ("reps_completed", -1),
        ("hold_seconds", 601),
        ("side", "both"),
        ("pain_score", -1),
        ("pain_score", 11),
        ("pain_score", None),
        ("difficulty", 0),
        ("difficulty", 6),
        ("notes", "x" * 2001),
        ("patient_id", UNKNOWN_ID),
    ],
)
def test_bad_log_fields_are_422_naming_the_field(api, clinic, assign, frozen, field, value):
    body = log_body(assign(), NOW) | {field: value}
    response = api.post(_logs_path(clinic.patient), clinic.patient.user, json=body)
    assert response.status_code == 422
    assert field in response.json["errors"], response.json
    assert _stored() == 0


def test_a_log_may_name_only_its_assignments_side(api, clinic, assign, frozen):
    left_only = assign(side="left")
    path = _logs_path(clinic.patient)
    wrong = api.post(path, clinic.patient.user, json=log_body(left_only, NOW, side="right"))
    assert wrong.status_code == 422 and "side" in wrong.json["errors"]
    assert api.post(path, clinic.patient.user, json=log_body(left_only, NOW, side="left")).status_code == 201
    no_side = assign(exercise="Bird dog", side="none")
    assert api.post(path, clinic.patient.user, json=log_body(no_side, NOW, side="left")).status_code == 422


def test_a_retry_is_a_duplicate_even_after_its_day_left_the_30_day_window(api, clinic, assign, frozen):
    body = log_body(assign(), "2026-02-11T15:00:00Z")  # 27 days old
    assert api.post(_logs_path(clinic.patient), clinic.patient.user, json=body).status_code == 201
    frozen.move_to("2026-03-16T15:00:00Z")  # now 33 days old
    assert api.post(_logs_path(clinic.patient), clinic.patient.user, json=body).status_code == 200
    fresh = body | {"id": str(uuid.uuid4())}
    assert api.post(_logs_path(clinic.patient), clinic.patient.user, json=fresh).status_code == 422


def test_list_is_newest_first_filtered_and_scoped(api, clinic, assign, frozen):
    clamshell, bridge = assign(exercise="Clamshell"), assign(exercise="Glute bridge")
    path = _logs_path(clinic.patient)
    times = ["2026-03-08T12:00:00Z", "2026-03-10T12:00:00Z", "2026-03-09T12:00:00Z"]
    for at, assignment in zip(times, (clamshell, bridge, clamshell), strict=True):
        api.post(path, clinic.patient.user, json=log_body(assignment, at))
    for user in (clinic.patient.user, clinic.therapist.user, clinic.admin):
        page = api.get(path, user).json
        assert [log["performed_at"][:10] for log in page["items"]] == [
            "2026-03-10",
            "2026-03-09",
            "2026-03-08",
        ]
        assert page["total"] == 3 and page["per_page"] == 50
    window = api.get(f"{path}?from=2026-03-09T00:00:00Z&to=2026-03-10T00:00:00Z", clinic.patient.user).json
    assert [log["performed_at"] for log in window["items"]] == ["2026-03-09T12:00:00Z"]
    only = api.get(f"{path}?assignment_id={clamshell['id']}", clinic.patient.user).json
    assert only["total"] == 2
    assert api.get(f"{path}?from=2026-03-09T00:00:00", clinic.patient.user).status_code == 422
    assert api.get(path, clinic.other_therapist.user).status_code == 404
    assert api.get(path, clinic.other_patient.user).status_code == 404


def test_log_writes_and_reads_are_audited_under_the_patient(api, clinic, assign, frozen):
    body = log_body(assign(), NOW)
    api.post(_logs_path(clinic.patient), clinic.patient.user, json=body)
    api.get(_logs_path(clinic.patient), clinic.admin)
    refused = api.post(_logs_path(clinic.patient), clinic.patient.user, json=body | {"pain_score": 9})
    assert refused.status_code == 409
    events = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action.like("progress_log.%")).order_by(AuditEvent.at)
    ).all()
    assert [(e.action, e.outcome, e.patient_id) for e in events] == [
        ("progress_log.create", "success", clinic.patient.id),
        ("progress_log.list", "success", clinic.patient.id),
        ("progress_log.create", "rejected", clinic.patient.id),
    ]
    assert events[0].resource_id == body["id"]


def test_posting_a_log_runs_the_same_queries_for_1_or_50_assignments_and_logs(api, clinic, assign, frozen):
    first = assign()
    api.post(_logs_path(clinic.patient), clinic.patient.user, json=log_body(first, NOW))  # warm the token

    def count_one_post() -> int:
        with counting_queries() as statements:
            response = api.post(_logs_path(clinic.patient), clinic.patient.user, json=log_body(first, NOW))
        assert response.status_code == 201
        return len(statements)

    with_one = count_one_post()
    for n in range(49):
        other = assign(exercise="Glute bridge", notes=f"copy {n}")
        api.post(_logs_path(clinic.patient), clinic.patient.user, json=log_body(other, NOW))
    assert count_one_post() == with_one


# --- batches --------------------------------------------------------------------------------


def _batch(patient) -> str:
    return f"/api/v1/patients/{patient.id}/progress-logs/batch"


def test_a_batch_answers_each_log_on_its_own(api, clinic, assign, frozen):
    mine, theirs = assign(), assign(patient=clinic.other_patient)
    kept = log_body(mine, "2026-03-09T12:00:00Z")
    api.post(_logs_path(clinic.patient), clinic.patient.user, json=kept)
    new = log_body(mine, "2026-03-10T12:00:00Z")
    repeated_in_batch = log_body(mine, "2026-03-10T13:00:00Z")
    logs = [
        new,
        kept,  # already stored, same body
        kept | {"pain_score": 9},  # already stored, other body
        log_body(mine, "2026-03-10T12:00:00Z", pain_score=11),
        log_body(theirs, "2026-03-10T12:00:00Z"),
        log_body(mine, "2026-04-10T12:00:00Z"),
        repeated_in_batch,
        repeated_in_batch,
        repeated_in_batch | {"sets_completed": 1},
        "not a log",
        {"id": 42},
    ]
    response = api.post(_batch(clinic.patient), clinic.patient.user, json={"logs": logs})
    assert response.status_code == 200, response.json
    results = response.json["results"]
    assert [r["status"] for r in results] == [
        "created",
        "duplicate",
        "conflict",
        "invalid",
        "invalid",
        "invalid",
        "created",
        "duplicate",
        "conflict",
        "invalid",
        "invalid",
    ]
    assert [r["id"] for r in results[:9]] == [log["id"] for log in logs[:9]]
    assert "pain_score" in results[3]["errors"]
    assert results[4]["errors"] == {"assignment_id": ["no such assignment for this patient"]}
    assert "performed_at" in results[5]["errors"]
    assert results[10]["id"] == "42" and "id" in results[10]["errors"]
    stored = set(db.session.scalars(db.select(ProgressLog.id)))
    assert stored == {uuid.UUID(kept["id"]), uuid.UUID(new["id"]), uuid.UUID(repeated_in_batch["id"])}
    # The other patient's assignment got no log.
    assert (
        db.session.scalar(
            db.select(db.func.count()).where(ProgressLog.assignment_id == uuid.UUID(theirs["id"]))
        )
        == 0
    )


def test_a_refused_log_stays_refused_when_a_later_one_in_the_batch_stores_its_id(api, clinic, assign, frozen):
    mine = assign()
    later = log_body(mine, "2026-03-10T12:00:00Z")
    too_old = later | {"performed_at": "2026-01-10T12:00:00Z"}
    response = api.post(_batch(clinic.patient), clinic.patient.user, json={"logs": [too_old, later]})
    assert [r["status"] for r in response.json["results"]] == ["invalid", "created"]
    assert "performed_at" in response.json["results"][0]["errors"]
    assert _stored() == 1


def test_a_batch_of_500_is_written_in_one_insert_with_as_many_queries_as_a_batch_of_5(
    api, clinic, assign, frozen
):
    assignment = assign()

    def post(count: int, **fields) -> tuple[list[dict], list[str]]:
        logs = [log_body(assignment, f"2026-03-{1 + n % 9:02d}T12:00:00Z", **fields) for n in range(count)]
        # Every other log carries notes and a side, so rows differ in which fields are null.
        for log in logs[::2]:
            log.update(notes="felt fine", side="left")
        with counting_queries() as statements:
            response = api.post(_batch(clinic.patient), clinic.patient.user, json={"logs": logs})
        assert response.status_code == 200
        assert {r["status"] for r in response.json["results"]} == {"created"}
        return logs, statements

    api.get(_logs_path(clinic.patient), clinic.patient.user)  # the token is issued outside the count
    _, small = post(5)
    logs, large = post(500)
    inserts = [s for s in large if s.lstrip().upper().startswith("INSERT INTO PROGRESS_LOGS")]
    assert len(inserts) == 1
    assert len(large) == len(small)
    assert _stored() == 505
    again = api.post(_batch(clinic.patient), clinic.patient.user, json={"logs": logs})
    assert {r["status"] for r in again.json["results"]} == {"duplicate"}
    assert _stored() == 505


def test_a_batch_over_500_or_empty_is_422_and_writes_nothing(api, clinic, assign, frozen):
    assignment = assign()
    too_many = [log_body(assignment, NOW) for _ in range(501)]
    response = api.post(_batch(clinic.patient), clinic.patient.user, json={"logs": too_many})
    assert response.status_code == 422 and "logs" in response.json["errors"]
    empty = api.post(_batch(clinic.patient), clinic.patient.user, json={"logs": []})
    assert empty.status_code == 422 and "logs" in empty.json["errors"]
    assert api.post(_batch(clinic.patient), clinic.patient.user, json={}).status_code == 422
    assert _stored() == 0


def test_batch_scope_follows_the_patient(api, clinic, assign, frozen):
    body = {"logs": [log_body(assign(), NOW)]}
    assert api.post(_batch(clinic.patient), clinic.therapist.user, json=body).status_code == 200
    assert api.post(_batch(clinic.patient), clinic.admin, json=body).status_code == 403
    assert api.post(_batch(clinic.patient), clinic.other_therapist.user, json=body).status_code == 404
    assert api.post(_batch(clinic.patient), clinic.other_patient.user, json=body).status_code == 404
