"""Booking video visits (API.md "Virtual sessions"): who may book whom, bad input, no double booking."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from telehealth.extensions import db
from telehealth.patients import service as patients
from telehealth.patients.models import CareTeamMember
from tests.factories import make_patient
from tests.visits.conftest import NOW, TOMORROW_10, book, visit_count

NEW_YORK = ZoneInfo("America/New_York")


def test_therapist_books_a_visit_for_a_patient_in_their_caseload(api, clinic):
    response = book(api, clinic.therapist.user, clinic.patient, "2026-10-31T10:00:00-04:00", 45, "screening")
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "scheduled"
    assert body["patient_id"] == str(clinic.patient.id)
    assert body["therapist_id"] == str(clinic.therapist.id)
    assert body["starts_at"] == "2026-10-31T14:00:00Z"
    assert body["ends_at"] == "2026-10-31T14:45:00Z"
    assert body["kind"] == "screening"
    assert body["sequence"] == 0
    assert body["notes"] is None
    assert "room" not in body  # the room name is the key to an unsecured room
    assert visit_count() == 1


def test_admin_books_only_for_a_named_therapist_on_the_care_team(api, clinic):
    missing = book(api, clinic.admin, clinic.patient)
    assert missing.status_code == 422 and "therapist_id" in missing.json["errors"]
    outsider = book(api, clinic.admin, clinic.patient, therapist_id=str(clinic.other_therapist.id))
    assert outsider.status_code == 422 and "therapist_id" in outsider.json["errors"]
    unknown = book(api, clinic.admin, clinic.patient, therapist_id=str(uuid.uuid4()))
    assert unknown.status_code == 422
    assert visit_count() == 0

    booked = book(api, clinic.admin, clinic.patient, therapist_id=str(clinic.therapist.id))
    assert booked.status_code == 201
    assert booked.json["therapist_id"] == str(clinic.therapist.id)


def test_a_therapist_books_only_their_own_visits(api, clinic):
    response = book(api, clinic.therapist.user, clinic.patient, therapist_id=str(clinic.other_therapist.id))
    assert response.status_code == 422 and "therapist_id" in response.json["errors"]
    assert visit_count() == 0


def test_a_patient_outside_the_caseload_is_not_found_and_nothing_is_written(api, clinic):
    response = book(api, clinic.therapist.user, clinic.other_patient)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    ghost = api.post(
        "/api/v1/sessions",
        clinic.therapist.user,
        json={
            "patient_id": str(uuid.uuid4()),
            "starts_at": TOMORROW_10.isoformat(),
            "duration_minutes": 30,
            "kind": "follow_up",
        },
    )
    assert ghost.status_code == 404
    assert visit_count() == 0


def test_patients_book_only_follow_ups_into_open_slots_and_strangers_not_at_all(api, clinic):
    # A patient books for themselves (tests/scheduling/test_self_booking.py); with no open slot, 409.
    assert book(api, clinic.patient.user, clinic.patient, duration_minutes=30).status_code == 409
    assert book(api, clinic.patient.user, clinic.patient, kind="screening").status_code == 422
    anonymous = api.post("/api/v1/sessions", json={"patient_id": str(clinic.patient.id)})
    assert anonymous.status_code == 401
    assert visit_count() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"starts_at": "2026-10-31T10:00:00"}, "starts_at"),  # naive
        ({"starts_at": "tomorrow at ten"}, "starts_at"),
        ({"starts_at": (NOW - timedelta(minutes=1)).isoformat()}, "starts_at"),  # in the past
        ({"starts_at": NOW.isoformat()}, "starts_at"),  # starting right now is already too late
        ({"starts_at": "9999-12-31T23:00:00Z"}, "starts_at"),  # beyond the booking horizon
        ({"starts_at": "0001-01-01T00:00:00+14:00"}, "starts_at"),  # before the calendar in UTC
        ({"duration_minutes": 14}, "duration_minutes"),
        ({"duration_minutes": 121}, "duration_minutes"),
        ({"duration_minutes": "an hour"}, "duration_minutes"),
        ({"kind": "massage"}, "kind"),
        ({"patient_id": "not-a-uuid"}, "patient_id"),
        ({"room": "my-own-room"}, "room"),  # unknown fields are refused, not ignored
    ],
)
def test_bad_booking_input_is_422_naming_the_field_and_writes_nothing(api, clinic, change, field):
    body = {
        "patient_id": str(clinic.patient.id),
        "starts_at": TOMORROW_10.isoformat(),
        "duration_minutes": 60,
        "kind": "follow_up",
        **change,
    }
    response = api.post("/api/v1/sessions", clinic.therapist.user, json=body)
    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
    assert field in response.json["errors"]
    assert visit_count() == 0


def test_a_body_that_is_not_a_json_object_is_400(api, clinic):
    response = api.post("/api/v1/sessions", clinic.therapist.user, json=["not", "an", "object"])
    assert response.status_code == 400
    assert visit_count() == 0


def test_a_discharged_patient_cannot_be_booked(api, clinic):
    patients.discharge(clinic.patient, "goals met")
    db.session.commit()
    response = book(api, clinic.therapist.user, clinic.patient)
    assert response.status_code == 409
    assert visit_count() == 0


def test_a_therapist_cannot_hold_two_overlapping_visits(api, clinic):
    second_patient = make_patient(clinic.therapist)
    assert book(api, clinic.therapist.user, clinic.patient, TOMORROW_10, 60).status_code == 201
    clash = book(api, clinic.therapist.user, second_patient, TOMORROW_10 + timedelta(minutes=59), 30)
    assert clash.status_code == 409
    assert clash.mimetype == "application/problem+json"
    assert "therapist" in clash.json["detail"]
    inside = book(api, clinic.therapist.user, second_patient, TOMORROW_10 + timedelta(minutes=15), 15)
    assert inside.status_code == 409
    around = book(api, clinic.therapist.user, second_patient, TOMORROW_10 - timedelta(minutes=30), 120)
    assert around.status_code == 409
    assert visit_count() == 1


def test_a_patient_cannot_hold_two_overlapping_visits_with_different_therapists(api, clinic):
    clinic.patient.care_team.append(CareTeamMember(therapist_id=clinic.other_therapist.id))
    db.session.commit()
    assert book(api, clinic.therapist.user, clinic.patient, TOMORROW_10, 60).status_code == 201
    clash = book(api, clinic.other_therapist.user, clinic.patient, TOMORROW_10 + timedelta(minutes=30), 60)
    assert clash.status_code == 409
    assert "patient" in clash.json["detail"]
    assert visit_count() == 1


def test_back_to_back_visits_do_not_overlap(api, clinic):
    second_patient = make_patient(clinic.therapist)
    assert book(api, clinic.therapist.user, clinic.patient, TOMORROW_10, 60).status_code == 201
    after = book(api, clinic.therapist.user, second_patient, TOMORROW_10 + timedelta(minutes=60), 30)
    assert after.status_code == 201
    before = book(api, clinic.therapist.user, second_patient, TOMORROW_10 - timedelta(minutes=15), 15)
    assert before.status_code == 201


def test_a_cancelled_visit_frees_its_time(api, clinic):
    first = book(api, clinic.therapist.user, clinic.patient).json
    assert api.post(f"/api/v1/sessions/{first['id']}/cancel", clinic.patient.user, json={}).status_code == 200
    assert book(api, clinic.therapist.user, clinic.patient).status_code == 201


def test_a_visit_across_the_dst_change_keeps_its_real_duration(api, clinic):
    # 01:30 happens twice in New York on 2026-11-01: first in EDT (-04:00), an hour later in EST.
    first = book(api, clinic.therapist.user, clinic.patient, "2026-11-01T01:30:00-04:00", 60)
    assert first.status_code == 201
    assert first.json["starts_at"] == "2026-11-01T05:30:00Z"
    assert first.json["ends_at"] == "2026-11-01T06:30:00Z"
    ends_local = datetime.fromisoformat(first.json["ends_at"]).astimezone(NEW_YORK)
    assert (ends_local.hour, ends_local.minute, ends_local.utcoffset()) == (1, 30, timedelta(hours=-5))

    # The second 01:30 is exactly when the first visit ends, so it does not overlap.
    second = book(api, clinic.therapist.user, clinic.patient, "2026-11-01T01:30:00-05:00", 30)
    assert second.status_code == 201
    assert second.json["starts_at"] == "2026-11-01T06:30:00Z"
