"""The visit's calendar.ics: importable, in UTC, linking the join page, with nothing clinical in it."""

from __future__ import annotations

from datetime import datetime

from icalendar import Calendar

from tests.visits.conftest import path


def calendar_of(api, user, visit):
    response = api.get(path(visit, "calendar.ics"), user)
    assert response.status_code == 200, response.data
    assert response.mimetype == "text/calendar"
    [event] = Calendar.from_ical(response.data).walk("VEVENT")
    return response.data.decode(), event


def test_the_calendar_file_holds_the_visit_in_utc_with_the_join_page(api, clinic, visit):
    raw, event = calendar_of(api, clinic.patient.user, visit)
    assert "DTSTART:20261031T140000Z" in raw and "DTEND:20261031T150000Z" in raw
    assert event.decoded("dtstart") == datetime.fromisoformat(visit["starts_at"])
    assert event.decoded("dtend") == datetime.fromisoformat(visit["ends_at"])
    join_page = f"https://app.test/app/visits/{visit['id']}"
    assert str(event["url"]) == join_page
    assert join_page in str(event["description"])
    assert visit["id"] in str(event["uid"])
    assert event.decoded("sequence") == 0
    assert str(event["status"]) == "CONFIRMED"


def test_the_calendar_file_carries_no_clinical_detail(api, clinic, visit):
    raw, event = calendar_of(api, clinic.patient.user, visit)
    assert str(event["summary"]) == "Video visit with your physical therapist"
    patient = clinic.patient
    for secret in ("follow", "low_back", "hip", patient.last_name, patient.email, str(patient.id)):
        assert secret.lower() not in raw.lower()
    _, therapist_event = calendar_of(api, clinic.therapist.user, visit)
    assert patient.last_name not in str(therapist_event["summary"])


def test_the_uid_stays_and_the_sequence_rises_on_reschedule_and_cancel(api, clinic, visit):
    _, before = calendar_of(api, clinic.therapist.user, visit)
    moved = api.patch(path(visit), clinic.therapist.user, json={"starts_at": "2026-11-03T16:00:00+01:00"})
    assert moved.status_code == 200

    raw, after = calendar_of(api, clinic.patient.user, visit)
    assert str(after["uid"]) == str(before["uid"])
    assert after.decoded("sequence") == 1
    assert "DTSTART:20261103T150000Z" in raw

    api.post(path(visit, "cancel"), clinic.patient.user, json={"reason": "feeling better"})
    _, cancelled = calendar_of(api, clinic.patient.user, visit)
    assert str(cancelled["uid"]) == str(before["uid"])
    assert str(cancelled["status"]) == "CANCELLED"
    assert cancelled.decoded("sequence") == 2


def test_only_participants_get_the_calendar_file(api, clinic, visit):
    assert api.get(path(visit, "calendar.ics"), clinic.admin).status_code == 403
    assert api.get(path(visit, "calendar.ics"), clinic.other_therapist.user).status_code == 404
    assert api.get(path(visit, "calendar.ics"), clinic.other_patient.user).status_code == 404
    assert api.get(path(visit, "calendar.ics")).status_code == 401
