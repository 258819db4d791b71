"""A changed prescription plans from the patient's today on; the days before keep the version then
in force, in today, adherence, the dashboard and the report alike (API.md PATCH /assignments)."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

from pypdf import PdfReader

from tests.dashboard.conftest import TODAY, days_ago
from tests.factories import make_patient

CASELOAD = "/api/v1/dashboard/caseload"


def _today(api, patient, user, day: date | None = None) -> dict[str, Any]:
    query = f"?date={day.isoformat()}" if day else ""
    response = api.get(f"/api/v1/patients/{patient.id}/today{query}", user)
    assert response.status_code == 200, response.json
    return response.json


def _adherence(api, patient, user, start: date, end: date) -> dict[str, Any]:
    response = api.get(f"/api/v1/patients/{patient.id}/adherence?from={start}&to={end}", user)
    assert response.status_code == 200, response.json
    return response.json


def _caseload_row(api, therapist, patient) -> dict[str, Any]:
    rows = api.get(CASELOAD, therapist.user).json["items"]
    [row] = [row for row in rows if row["patient"]["id"] == str(patient.id)]
    return row


def _report_text(api, patient, user, start: date, end: date) -> str:
    response = api.get(f"/api/v1/patients/{patient.id}/report.pdf?from={start}&to={end}", user)
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_raising_times_per_day_leaves_the_days_before_the_change_planned_as_they_were(
    api, clinic, care, frozen
):
    patient, therapist = clinic.patient, clinic.therapist
    assignment = care.assign(patient, TODAY - timedelta(days=3), times_per_day=1)
    care.logs(patient, assignment, [(days_ago(n), 2) for n in (3, 2, 1)])

    care.change(patient, assignment, times_per_day=3)

    past = _today(api, patient, therapist.user, TODAY - timedelta(days=2))
    [item] = past["items"]
    assert (item["planned"], item["done"], item["complete"], past["completion"]) == (1, 1, True, 1.0)
    assert item["prescription"]["times_per_day"] == 1  # what was asked that day
    assert item["assignment"]["times_per_day"] == 3  # what is asked now
    [now] = _today(api, patient, patient.user)["items"]
    assert (now["planned"], now["done"]) == (3, 0)

    adherence = _adherence(api, patient, therapist.user, TODAY - timedelta(days=3), TODAY - timedelta(days=1))
    assert [(d["planned"], d["done"], d["rate"]) for d in adherence["days"]] == [(1, 1, 1.0)] * 3
    assert adherence["rate"] == 1.0

    row = _caseload_row(api, therapist, patient)
    assert row["adherence_7d"] == 1.0 and "low_adherence" not in row["flags"]

    text = _report_text(api, patient, therapist.user, TODAY - timedelta(days=3), TODAY - timedelta(days=1))
    assert "100% (3 of 3 planned sessions done)" in text


def test_lowering_the_dose_or_dropping_a_weekday_does_not_make_the_past_look_better(
    api, clinic, care, frozen
):
    lowered, dropped = clinic.patient, make_patient(clinic.therapist)
    # Asked three times a day and done once a day; then lowered to once a day.
    assignment = care.assign(lowered, TODAY - timedelta(days=3), times_per_day=3)
    care.logs(lowered, assignment, [(days_ago(n), 2) for n in (3, 2, 1)])
    care.change(lowered, assignment, times_per_day=1)
    # Every day from Thursday the 12th, done except on Tuesday the 17th; then Tuesdays are dropped.
    every_day = care.assign(dropped, date(2026, 3, 12))
    care.logs(dropped, every_day, [(days_ago(n), 2) for n in (6, 5, 4, 3, 2)])
    care.change(dropped, every_day, days_of_week=["mon", "wed", "thu", "fri", "sat", "sun"])

    lowered_week = _adherence(api, lowered, clinic.therapist.user, date(2026, 3, 15), date(2026, 3, 17))
    assert [(d["planned"], d["done"]) for d in lowered_week["days"]] == [(3, 1)] * 3
    assert lowered_week["rate"] == 1 / 3
    assert "low_adherence" in _caseload_row(api, clinic.therapist, lowered)["flags"]

    dropped_week = _adherence(api, dropped, clinic.therapist.user, date(2026, 3, 12), date(2026, 3, 17))
    tuesday = dropped_week["days"][-1]
    assert (tuesday["date"], tuesday["planned"], tuesday["done"]) == ("2026-03-17", 1, 0)
    assert dropped_week["rate"] == 5 / 6
    # From today on, Tuesdays plan nothing.
    next_tuesday = _today(api, dropped, dropped.user, date(2026, 3, 24))
    assert next_tuesday["items"] == [] and next_tuesday["completion"] is None


def test_an_end_date_moved_into_the_past_keeps_the_days_it_had_planned(api, clinic, care, frozen):
    patient = clinic.patient
    assignment = care.assign(patient, TODAY - timedelta(days=10))
    care.logs(patient, assignment, [(days_ago(n), 2) for n in (6, 5)])

    care.change(patient, assignment, end_date=(TODAY - timedelta(days=8)).isoformat())

    week = _adherence(
        api, patient, clinic.therapist.user, TODAY - timedelta(days=6), TODAY - timedelta(days=1)
    )
    assert [d["planned"] for d in week["days"]] == [1] * 6 and week["rate"] == 2 / 6
    assert _today(api, patient, patient.user)["items"] == []


def test_each_version_is_dated_and_a_change_takes_effect_on_the_patients_own_today(api, clinic, care, frozen):
    # 17:00 UTC on 18 March is already 02:00 on the 19th in Tokyo.
    patient = make_patient(clinic.therapist, timezone="Asia/Tokyo")
    assignment = care.assign(patient, date(2026, 3, 10), times_per_day=1)
    assert assignment["effective_from"] == "2026-03-10" and assignment["history"] == []

    changed = care.change(patient, assignment, times_per_day=2)
    again = care.change(patient, assignment, times_per_day=4)

    assert changed["effective_from"] == again["effective_from"] == "2026-03-19"
    assert [(h["effective_from"], h["prescription"]["times_per_day"]) for h in again["history"]] == [
        ("2026-03-10", 1),
        ("2026-03-19", 2),  # replaced the same day: it never planned a day
    ]
    user = clinic.therapist.user
    assert [i["planned"] for i in _today(api, patient, user, date(2026, 3, 18))["items"]] == [1]
    assert [i["planned"] for i in _today(api, patient, user, date(2026, 3, 19))["items"]] == [4]
    assert _today(api, patient, user)["date"] == "2026-03-19"
