"""RTM through the API: enrolment, time entries, the per-period and per-month counts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from telehealth.extensions import db
from telehealth.rtm import service
from tests.factories import make_completed_visit
from tests.rtm.conftest import send_outcome, send_reading

pytestmark = pytest.mark.usefixtures("frozen")
NEW_YORK = ZoneInfo("America/New_York")


def _enroll(api, clinic, start: str = "2026-03-01", patient=None):
    patient = patient or clinic.patient
    response = api.post(
        f"/api/v1/patients/{patient.id}/rtm/enroll",
        clinic.therapist.user if patient is clinic.patient else clinic.other_therapist.user,
        json={"start_date": start, "consent_obtained": True},
    )
    assert response.status_code == 201, response.json
    return response.json


def _rtm(api, clinic, patient=None):
    response = api.get(f"/api/v1/patients/{(patient or clinic.patient).id}/rtm", clinic.therapist.user)
    assert response.status_code == 200, response.json
    return response.json


def _local(day: date, hour: int, minute: int = 0, tz: ZoneInfo = NEW_YORK) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)


def _entry(api, clinic, minutes: int, at: str, activity: str = "data_review", modality: str | None = None):
    body = {"minutes": minutes, "activity": activity, "occurred_at": at}
    if modality:
        body["modality"] = modality
    response = api.post(
        f"/api/v1/patients/{clinic.patient.id}/time-entries", clinic.therapist.user, json=body
    )
    assert response.status_code == 201, response.json
    return response.json


# --- enrolment ---------------------------------------------------------------------------------


def test_enrolment_records_consent_and_only_one_episode_is_open(api, clinic):
    episode = _enroll(api, clinic)
    assert episode["start_date"] == "2026-03-01"
    assert episode["consent_recorded_at"] == "2026-04-14T16:00:00Z"
    assert episode["ended_on"] is None
    again = api.post(
        f"/api/v1/patients/{clinic.patient.id}/rtm/enroll",
        clinic.therapist.user,
        json={"start_date": "2026-04-01", "consent_obtained": True},
    )
    assert again.status_code == 409


@pytest.mark.parametrize("consent", [False, None, "yes"])
def test_enrolment_without_consent_is_refused(api, clinic, consent):
    response = api.post(
        f"/api/v1/patients/{clinic.patient.id}/rtm/enroll",
        clinic.therapist.user,
        json={"start_date": "2026-03-01", "consent_obtained": consent},
    )
    assert response.status_code == 422
    assert "consent_obtained" in response.json["errors"]


def test_ending_an_episode_then_a_new_one_may_start_after_it(api, clinic):
    _enroll(api, clinic)
    path = f"/api/v1/patients/{clinic.patient.id}/rtm/end"
    assert api.post(path, clinic.therapist.user, json={"end_date": "2026-02-27"}).status_code == 422
    ended = api.post(path, clinic.therapist.user, json={"end_date": "2026-03-31"})
    assert ended.status_code == 200 and ended.json["ended_on"] == "2026-03-31"
    assert api.post(path, clinic.therapist.user, json={"end_date": "2026-04-01"}).status_code == 409
    overlapping = api.post(
        f"/api/v1/patients/{clinic.patient.id}/rtm/enroll",
        clinic.therapist.user,
        json={"start_date": "2026-03-31", "consent_obtained": True},
    )
    assert overlapping.status_code == 409
    _enroll(api, clinic, start="2026-04-01")


def test_admins_read_the_counts_but_only_the_care_team_enrols(api, clinic):
    path = f"/api/v1/patients/{clinic.patient.id}/rtm/enroll"
    body = {"start_date": "2026-03-01", "consent_obtained": True}
    assert api.post(path, clinic.admin, json=body).status_code == 403
    assert api.post(path, clinic.other_therapist.user, json=body).status_code == 404
    assert api.get(f"/api/v1/patients/{clinic.patient.id}/rtm", clinic.patient.user).status_code == 403
    assert api.get(f"/api/v1/patients/{clinic.patient.id}/rtm", clinic.admin).json["episode"] is None


# --- data days and device supply ---------------------------------------------------------------


@pytest.mark.parametrize(("days", "code"), [(1, None), (2, "98985"), (15, "98985"), (16, "98977")])
def test_supply_code_of_a_period_at_each_threshold(api, clinic, days, code):
    _enroll(api, clinic, start="2026-03-01")
    for n in range(days):
        send_outcome(clinic.patient, _local(date(2026, 3, 1) + timedelta(days=n), 9))
    # A second result on a day already counted adds nothing.
    send_outcome(clinic.patient, _local(date(2026, 3, 1), 18))
    db.session.commit()
    first = _rtm(api, clinic)["periods"][0]
    assert (first["start"], first["end"]) == ("2026-03-01", "2026-03-30")
    assert first["data_days"] == days
    assert first["supply_code"] == code
    assert first["complete"] is True


def test_a_period_across_the_spring_dst_change_counts_local_days(api, clinic):
    # New York moves to EDT on 2026-03-08: 00:30 local is 04:30 UTC after, 05:30 UTC before.
    _enroll(api, clinic, start="2026-03-01")
    for n in range(16):
        send_outcome(clinic.patient, _local(date(2026, 3, 1) + timedelta(days=n), 0, 30))
    db.session.commit()
    first = _rtm(api, clinic)["periods"][0]
    assert first["data_days"] == 16
    assert first["supply_code"] == "98977"


def test_data_before_the_episode_or_sent_by_the_clinician_does_not_count(api, clinic):
    _enroll(api, clinic, start="2026-03-01")
    send_outcome(clinic.patient, _local(date(2026, 2, 28), 23, 59))
    send_reading(clinic.patient, _local(date(2026, 3, 2), 10), source="clinician")
    send_reading(clinic.patient, _local(date(2026, 3, 3), 10))
    send_outcome(clinic.patient, _local(date(2026, 3, 1), 0, 0))
    db.session.commit()
    assert _rtm(api, clinic)["periods"][0]["data_days"] == 2


def test_a_patient_who_moves_keeps_the_days_counted_in_their_old_zone(api, clinic, frozen):
    _enroll(api, clinic, start="2026-03-01")
    # Fifteen New York days, each with a result just after midnight and one just before the next.
    for n in range(15):
        day = date(2026, 3, 2) + timedelta(days=n)
        send_outcome(clinic.patient, _local(day, 0, 30))
        send_outcome(clinic.patient, _local(day, 23, 30))
    db.session.commit()
    frozen.move_to(datetime(2026, 3, 20, 12, 0, tzinfo=UTC))
    moved = api.patch(
        f"/api/v1/patients/{clinic.patient.id}", clinic.patient.user, json={"timezone": "America/Los_Angeles"}
    )
    assert moved.status_code == 200
    # After the move: 23:30 in Los Angeles on March 21 (already March 22 in New York).
    send_outcome(clinic.patient, _local(date(2026, 3, 21), 23, 30, ZoneInfo("America/Los_Angeles")))
    db.session.commit()
    frozen.move_to(datetime(2026, 4, 14, 16, 0, tzinfo=UTC))
    days = service.episode_data_days(
        clinic.patient, service.latest_episode(clinic.patient), date(2026, 4, 14)
    )
    # Read in Los Angeles, the old 00:30 results would fall on the day before (March 1 to 16).
    assert sorted(days) == [date(2026, 3, 2) + timedelta(days=n) for n in range(15)] + [date(2026, 3, 21)]
    first = _rtm(api, clinic)["periods"][0]
    assert first["data_days"] == 16 and first["supply_code"] == "98977"


def test_periods_run_to_today_and_the_set_up_on_the_second_data_day(api, clinic):
    _enroll(api, clinic, start="2026-03-01")
    send_outcome(clinic.patient, _local(date(2026, 3, 5), 9))
    db.session.commit()
    summary = _rtm(api, clinic)
    assert summary["setup_code"] is None
    assert [(p["start"], p["end"], p["complete"]) for p in summary["periods"]] == [
        ("2026-03-01", "2026-03-30", True),
        ("2026-03-31", "2026-04-29", False),
    ]
    send_reading(clinic.patient, _local(date(2026, 3, 9), 9))
    db.session.commit()
    summary = _rtm(api, clinic)
    assert summary["setup_code"] == "98975"
    assert summary["setup_qualified_on"] == "2026-03-09"


# --- management minutes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "codes"),
    [(9, []), (10, ["98979"]), (19, ["98979"]), (20, ["98980"]), (39, ["98980"]), (40, ["98980", "98981"])],
)
def test_management_codes_of_a_month_at_each_threshold(api, clinic, minutes, codes):
    _enroll(api, clinic, start="2026-03-01")
    _entry(api, clinic, 1, "2026-03-03T10:00:00-05:00", "patient_communication", "phone")
    _entry(api, clinic, minutes - 1, "2026-03-20T10:00:00-04:00")
    march = _rtm(api, clinic)["months"][0]
    assert march == {"month": "2026-03", "minutes": minutes, "interactive": True, "management_codes": codes}


def test_minutes_without_an_interactive_contact_earn_no_management_code(api, clinic):
    _enroll(api, clinic, start="2026-03-01")
    _entry(api, clinic, 30, "2026-03-03T10:00:00-05:00", "patient_communication", "message")
    _entry(api, clinic, 15, "2026-03-04T10:00:00-05:00", "program_update")
    march = _rtm(api, clinic)["months"][0]
    assert march["minutes"] == 45 and march["interactive"] is False and march["management_codes"] == []


def test_months_follow_the_clinics_calendar(api, clinic):
    _enroll(api, clinic, start="2026-03-01")
    # 23:30 on March 31 in New York is already April 1 in UTC: it belongs to March.
    _entry(api, clinic, 20, "2026-04-01T03:30:00Z", "patient_communication", "video")
    months = {m["month"]: m for m in _rtm(api, clinic)["months"]}
    assert months["2026-03"]["management_codes"] == ["98980"]
    assert months["2026-04"]["minutes"] == 0


def test_a_visit_completed_that_month_is_the_interactive_contact(api, clinic):
    _enroll(api, clinic, start="2026-03-01")
    _entry(api, clinic, 25, "2026-03-04T10:00:00-05:00")
    make_completed_visit(clinic.patient, clinic.therapist, datetime(2026, 3, 10, 14, 0, tzinfo=UTC))
    assert _rtm(api, clinic)["months"][0]["management_codes"] == ["98980"]


def test_time_entry_rules(api, clinic):
    path = f"/api/v1/patients/{clinic.patient.id}/time-entries"
    base = {"minutes": 10, "activity": "data_review", "occurred_at": "2026-04-14T09:00:00-04:00"}
    assert api.post(path, clinic.therapist.user, json=base | {"modality": "video"}).status_code == 422
    assert api.post(path, clinic.therapist.user, json=base | {"minutes": 0}).status_code == 422
    assert api.post(path, clinic.therapist.user, json=base | {"minutes": 121}).status_code == 422
    assert (
        api.post(path, clinic.therapist.user, json=base | {"occurred_at": "2026-04-15T09:00:00Z"}).status_code
        == 422
    )
    assert api.post(path, clinic.admin, json=base).status_code == 403
    video = _entry(api, clinic, 12, "2026-04-14T09:00:00-04:00", "patient_communication", "video")
    assert video["interactive"] is True and video["author_id"] == str(clinic.therapist.user.id)
    listed = api.get(path, clinic.admin).json
    assert listed["total"] == 1 and listed["items"][0]["id"] == video["id"]
