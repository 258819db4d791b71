"""GET /patients/{id}/adherence: planned versus done per local day, and the rate over the days."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from telehealth.audit.models import AuditEvent
from telehealth.extensions import db
from tests.dashboard.conftest import TODAY, days_ago
from tests.factories import make_patient


def _path(patient, query: str = "") -> str:
    return f"/api/v1/patients/{patient.id}/adherence{query}"


def _days(body) -> list[tuple[str, int, int]]:
    return [(day["date"], day["planned"], day["done"]) for day in body["days"]]


def test_care_team_and_the_patient_read_adherence_admin_and_others_cannot(api, clinic, frozen):
    assert api.get(_path(clinic.patient), clinic.therapist.user).status_code == 200
    assert api.get(_path(clinic.patient), clinic.patient.user).status_code == 200
    assert api.get(_path(clinic.patient), clinic.admin).status_code == 403
    assert api.get(_path(clinic.patient), clinic.other_therapist.user).status_code == 404
    assert api.get(_path(clinic.patient), clinic.other_patient.user).status_code == 404
    assert api.get(_path(clinic.patient)).status_code == 401


def test_days_follow_the_patients_clock_across_the_daylight_saving_change(api, clinic, care):
    # New York springs forward at 02:00 on Sunday 8 March 2026 (UTC-5 before, UTC-4 after).
    with time_machine.travel("2026-03-10T16:00:00Z", tick=False):
        assignment = care.assign(clinic.patient, TODAY.replace(day=1))
        care.log(clinic.patient, assignment, "2026-03-07T23:30:00-05:00")  # 04:30 UTC on the 8th
        care.log(clinic.patient, assignment, "2026-03-09T00:30:00-04:00")  # 23:30 on the 8th at UTC-5
        body = api.get(_path(clinic.patient, "?from=2026-03-07&to=2026-03-09"), clinic.therapist.user).json

    assert _days(body) == [("2026-03-07", 1, 1), ("2026-03-08", 1, 0), ("2026-03-09", 1, 1)]
    assert [day["rate"] for day in body["days"]] == [1.0, 0.0, 1.0]
    assert body["rate"] == 2 / 3


def test_default_is_the_28_local_days_ending_today_in_the_patients_zone(api, clinic):
    tokyo = make_patient(clinic.therapist, timezone="Asia/Tokyo")
    # 22:00 on Tuesday the 17th in New York is already 11:00 on the 18th in Tokyo.
    with time_machine.travel("2026-03-18T02:00:00Z", tick=False):
        new_york = api.get(_path(clinic.patient), clinic.patient.user).json["days"]
        japan = api.get(_path(tokyo), clinic.therapist.user).json["days"]

    assert (len(new_york), new_york[0]["date"], new_york[-1]["date"]) == (28, "2026-02-18", "2026-03-17")
    assert (len(japan), japan[0]["date"], japan[-1]["date"]) == (28, "2026-02-19", "2026-03-18")


def test_only_from_runs_to_today_and_only_to_takes_the_28_days_before(api, clinic, frozen):
    since = api.get(_path(clinic.patient, "?from=2026-03-16"), clinic.patient.user).json["days"]
    until = api.get(_path(clinic.patient, "?to=2026-03-01"), clinic.patient.user).json["days"]
    assert [day["date"] for day in since] == ["2026-03-16", "2026-03-17", "2026-03-18"]
    assert (len(until), until[0]["date"], until[-1]["date"]) == (28, "2026-02-02", "2026-03-01")


def test_days_before_the_program_started_or_after_it_ended_plan_nothing(api, clinic, care, frozen):
    # Mon/Wed/Fri twice a day from Monday 9 March until Friday 13 March; a daily one ended today.
    mwf = care.assign(
        clinic.patient,
        TODAY - timedelta(days=9),
        times_per_day=2,
        days_of_week=["mon", "wed", "fri"],
        end_date="2026-03-13",
    )
    daily = care.assign(clinic.patient, TODAY - timedelta(days=2))
    care.logs(clinic.patient, mwf, [("2026-03-11T09:00:00-04:00", 2), ("2026-03-11T18:00:00-04:00", 2)])
    care.log(clinic.patient, mwf, "2026-03-13T09:00:00-04:00")
    care.log(clinic.patient, daily, days_ago(1))
    assert api.post(f"/api/v1/assignments/{daily['id']}/end", clinic.therapist.user).status_code == 200

    body = api.get(_path(clinic.patient, "?from=2026-03-07&to=2026-03-19"), clinic.therapist.user).json

    assert _days(body) == [
        ("2026-03-07", 0, 0),  # before the program
        ("2026-03-08", 0, 0),
        ("2026-03-09", 2, 0),
        ("2026-03-10", 0, 0),  # Tuesday: not a prescribed day
        ("2026-03-11", 2, 2),
        ("2026-03-12", 0, 0),
        ("2026-03-13", 2, 1),
        ("2026-03-14", 0, 0),  # past its end date
        ("2026-03-15", 0, 0),
        ("2026-03-16", 1, 0),  # the daily one starts
        ("2026-03-17", 1, 1),
        ("2026-03-18", 0, 0),  # ended today
        ("2026-03-19", 0, 0),
    ]
    assert [day["rate"] for day in body["days"]][:3] == [None, None, 0.0]
    assert body["rate"] == 4 / 8


def test_rate_is_null_when_nothing_was_planned(api, clinic, frozen):
    body = api.get(_path(clinic.patient), clinic.patient.user).json
    assert body["rate"] is None
    assert {(day["planned"], day["done"], day["rate"]) for day in body["days"]} == {(0, 0, None)}


def test_the_period_runs_forward_over_at_most_366_days_written_as_local_dates(api, clinic, frozen):
    def status(query: str) -> tuple[int, list[str]]:
        response = api.get(_path(clinic.patient, query), clinic.therapist.user)
        return response.status_code, sorted((response.json.get("errors") or {}).keys())

    assert status("?from=2026-03-10&to=2026-03-09") == (422, ["from"])
    assert status("?from=2025-03-01&to=2026-03-01") == (200, [])  # 366 days
    assert status("?from=2025-02-28&to=2026-03-01") == (422, ["from"])  # 367 days
    assert status("?from=2026-3-1") == (422, ["from"])
    assert status("?to=20260301") == (422, ["to"])
    assert status("?from=1700000000") == (422, ["from"])
    assert status("?to=9999-12-31") == (422, ["to"])
    full_year = api.get(_path(clinic.patient, "?from=2025-03-01&to=2026-03-01"), clinic.patient.user).json
    assert len(full_year["days"]) == 366


def test_the_dashboards_adherence_7d_is_this_rate_over_the_seven_days_before_today(api, clinic, care, frozen):
    assignment = care.assign(clinic.patient, TODAY - timedelta(days=12), times_per_day=3)
    care.logs(
        clinic.patient, assignment, [(days_ago(n, f"{8 + n:02d}:00"), 2) for n in (0, 1, 1, 2, 4, 4, 4, 7, 9)]
    )

    week = api.get(_path(clinic.patient, "?from=2026-03-11&to=2026-03-17"), clinic.therapist.user).json
    [row] = api.get("/api/v1/dashboard/caseload", clinic.therapist.user).json["items"]

    assert week["rate"] == 7 / 21
    assert row["adherence_7d"] == week["rate"]


def test_reading_adherence_is_audited_under_the_patient(api, clinic, frozen):
    api.get(_path(clinic.patient), clinic.patient.user)
    api.get(_path(clinic.patient), clinic.other_therapist.user)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "adherence.read")).all()
    assert {(e.actor_id, e.outcome, e.patient_id) for e in events} == {
        (clinic.patient.user.id, "success", clinic.patient.id),
        (clinic.other_therapist.user.id, "denied", clinic.patient.id),
    }
