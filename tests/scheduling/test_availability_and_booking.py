"""Availability (who sets it, what is refused), open slots and patients booking their own follow-ups."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from telehealth.extensions import db
from telehealth.patients.models import CareTeamMember
from telehealth.reminders.models import Notification
from telehealth.visits.models import Visit
from tests.scheduling.conftest import every_day, hours, set_hours, slots, starts

# Tuesday 3 March, 10:00 and 10:30 in New York.
TUESDAY_10 = "2026-03-03T15:00:00Z"
TUESDAY_1030 = "2026-03-03T15:30:00Z"


def _availability(therapist):
    return f"/api/v1/therapists/{therapist.id}/availability"


def test_a_therapist_sets_and_reads_their_own_hours_and_an_admin_any(api, clinic):
    assert api.get(_availability(clinic.therapist), clinic.therapist.user).json["weekly"] == []
    saved = set_hours(api, clinic.therapist, [hours("mon", kinds=["follow_up"])], timezone="Europe/Berlin")
    assert saved["timezone"] == "Europe/Berlin"
    assert saved["weekly"] == [{"day": "mon", "start": "09:00", "end": "12:00", "kinds": ["follow_up"]}]
    assert api.get(_availability(clinic.therapist), clinic.admin).json == saved
    set_hours(api, clinic.other_therapist, every_day(), as_user=clinic.admin)


def test_nobody_else_sets_or_reads_a_therapists_hours(api, clinic):
    body = {"timezone": "America/New_York", "weekly": every_day()}
    assert api.put(_availability(clinic.other_therapist), clinic.therapist.user, json=body).status_code == 404
    assert api.get(_availability(clinic.other_therapist), clinic.therapist.user).status_code == 404
    assert api.put(_availability(clinic.therapist), clinic.patient.user, json=body).status_code == 403
    assert api.get(_availability(clinic.therapist)).status_code == 401


def test_impossible_hours_are_refused_naming_the_field(api, clinic):
    def put(**body):
        payload = {"timezone": "America/New_York", "weekly": [hours("mon")]} | body
        return api.put(_availability(clinic.therapist), clinic.therapist.user, json=payload)

    assert put(timezone="Mars/Olympus").status_code == 422
    assert put(weekly=[hours("mon", "12:00", "09:00")]).status_code == 422
    assert put(weekly=[hours("mon", "9:00", "12:00")]).status_code == 422
    assert put(weekly=[hours("mon", "24:00", "24:30")]).status_code == 422
    assert put(weekly=[hours("funday")]).status_code == 422
    assert put(weekly=[hours("mon", kinds=[])]).status_code == 422
    overlapping = put(weekly=[hours("mon", "09:00", "12:00"), hours("mon", "11:00", "13:00")])
    assert overlapping.status_code == 422 and "weekly" in overlapping.json["errors"]
    assert put(exceptions=[{"date": "2026-03-03", "start": "09:00", "available": False}]).status_code == 422
    assert put(exceptions=[{"date": "2026-03-03", "available": True}]).status_code == 422
    assert put(exceptions=[{"date": "03/03/2026", "available": False}]).status_code == 422
    assert put(weekly=[hours("mon")] * 71).status_code == 422


def test_slots_leave_out_scheduled_visits_and_are_anyones_for_screenings(api, clinic):
    set_hours(api, clinic.therapist, every_day())
    booked = api.post(
        "/api/v1/sessions",
        clinic.therapist.user,
        json={
            "patient_id": str(clinic.patient.id),
            "starts_at": TUESDAY_10,
            "duration_minutes": 45,
            "kind": "follow_up",
        },
    )
    assert booked.status_code == 201
    tuesday = {"from": "2026-03-03T00:00:00Z", "to": "2026-03-04T00:00:00Z"}
    screenings = starts(slots(api, None, kind="screening", **tuesday))
    assert "2026-03-03T14:45:00Z" in screenings and "2026-03-03T15:45:00Z" in screenings
    assert not {"2026-03-03T15:00:00Z", "2026-03-03T15:15:00Z", "2026-03-03T15:30:00Z"} & set(screenings)
    follow_ups = starts(slots(api, clinic.patient.user, kind="follow_up", **tuesday))
    assert TUESDAY_10 not in follow_ups and TUESDAY_1030 not in follow_ups
    assert "2026-03-03T16:00:00Z" in follow_ups
    # Cancelled, the time is open again.
    api.post(f"/api/v1/sessions/{booked.json['id']}/cancel", clinic.therapist.user, json={})
    assert TUESDAY_10 in starts(slots(api, clinic.patient.user, kind="follow_up", **tuesday))


def test_a_patient_sees_follow_up_slots_of_their_care_team_only(api, clinic):
    set_hours(api, clinic.therapist, every_day("09:00", "10:00"))
    set_hours(api, clinic.other_therapist, every_day("13:00", "14:00"))
    mine = slots(api, clinic.patient.user, kind="follow_up")
    assert {s["therapist_id"] for s in mine} == {str(clinic.therapist.id)}
    assert api.get("/api/v1/slots?kind=follow_up").status_code == 401
    assert api.get("/api/v1/slots?kind=initial_evaluation", clinic.patient.user).status_code == 403
    everyone = slots(api, None, kind="screening")
    assert {s["therapist_id"] for s in everyone} == {str(clinic.therapist.id), str(clinic.other_therapist.id)}
    assert {s["therapist_name"] for s in everyone} >= {f"Test {clinic.therapist.last_name}"}


def _self_book(api, user, starts_at=TUESDAY_10, **extra):
    return api.post("/api/v1/sessions", user, json={"starts_at": starts_at, "kind": "follow_up", **extra})


def _visits():
    return db.session.scalar(select(func.count()).select_from(Visit))


def test_a_patient_books_a_follow_up_with_their_therapist_which_gets_reminders_and_a_calendar_file(
    api, clinic
):
    set_hours(api, clinic.therapist, every_day())
    response = _self_book(api, clinic.patient.user)
    assert response.status_code == 201, response.json
    visit = response.json
    assert visit["patient_id"] == str(clinic.patient.id)
    assert visit["therapist_id"] == str(clinic.therapist.id)
    assert (visit["kind"], visit["duration_minutes"], visit["ends_at"]) == ("follow_up", 30, TUESDAY_1030)
    reminders = db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.visit_id == uuid.UUID(visit["id"]))
    )
    assert reminders >= 1
    ics = api.get(f"/api/v1/sessions/{visit['id']}/calendar.ics", clinic.patient.user)
    assert ics.status_code == 200 and b"DTSTART:20260303T150000Z" in ics.data
    assert TUESDAY_10 not in starts(slots(api, clinic.patient.user, kind="follow_up"))
    # The therapist sees it like any visit they booked.
    assert api.get(f"/api/v1/sessions/{visit['id']}", clinic.therapist.user).status_code == 200


def test_a_patient_books_only_an_open_slot(api, clinic):
    set_hours(
        api,
        clinic.therapist,
        [*every_day(kinds=["screening"]), hours("tue", "13:00", "15:00", ["follow_up"])],
    )
    assert _self_book(api, clinic.patient.user).status_code == 409  # only screenings then
    assert _self_book(api, clinic.patient.user, "2026-03-03T18:15:00Z").status_code == 409  # off the grid
    assert (
        _self_book(api, clinic.patient.user, "2026-03-02T13:30:00Z").status_code == 409
    )  # inside the lead time
    assert _self_book(api, clinic.patient.user, "2026-03-20T18:00:00Z").status_code == 409  # past 14 days
    ok = _self_book(api, clinic.patient.user, "2026-03-03T18:00:00Z")
    assert ok.status_code == 201
    again = _self_book(api, clinic.other_patient.user, "2026-03-03T18:00:00Z")
    assert again.status_code == 409  # not their therapist, and taken anyway
    assert _self_book(api, clinic.patient.user, "2026-03-03T18:00:00Z").status_code == 409
    assert _visits() == 1


def test_a_patient_books_nothing_but_their_own_follow_up(api, clinic):
    set_hours(api, clinic.therapist, every_day())
    patient = clinic.patient.user
    assert _self_book(api, patient, patient_id=str(clinic.other_patient.id)).status_code == 404
    assert _self_book(api, patient, kind="screening").status_code == 422
    assert _self_book(api, patient, duration_minutes=60).status_code == 422
    assert _self_book(api, patient, therapist_id=str(clinic.other_therapist.id)).status_code == 422
    assert _visits() == 0
    assert _self_book(api, patient, patient_id=str(clinic.patient.id), duration_minutes=30).status_code == 201


def test_with_two_therapists_the_patient_books_whichever_offers_the_slot(api, clinic):
    clinic.patient.care_team.append(CareTeamMember(therapist_id=clinic.other_therapist.id))
    db.session.commit()
    set_hours(api, clinic.therapist, every_day("09:00", "10:00"))
    set_hours(api, clinic.other_therapist, every_day("13:00", "14:00"))
    afternoon = _self_book(api, clinic.patient.user, "2026-03-03T18:00:00Z")
    assert afternoon.json["therapist_id"] == str(clinic.other_therapist.id)


def test_self_booking_switched_off_is_not_found(api, clinic, app):
    set_hours(api, clinic.therapist, every_day())
    app.config["SELF_BOOKING_ENABLED"] = False
    assert _self_book(api, clinic.patient.user).status_code == 404
    assert api.get("/api/v1/slots?kind=follow_up", clinic.patient.user).status_code == 404
    # Staff booking and screening slots are untouched.
    assert slots(api, None, kind="screening")
    staff = api.post(
        "/api/v1/sessions",
        clinic.therapist.user,
        json={
            "patient_id": str(clinic.patient.id),
            "starts_at": TUESDAY_10,
            "duration_minutes": 30,
            "kind": "follow_up",
        },
    )
    assert staff.status_code == 201


def test_staff_must_still_name_the_patient_and_the_length(api, clinic):
    response = api.post(
        "/api/v1/sessions", clinic.therapist.user, json={"starts_at": TUESDAY_10, "kind": "follow_up"}
    )
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"patient_id", "duration_minutes"}
