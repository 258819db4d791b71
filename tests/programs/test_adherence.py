"""daily_counts: planned versus done per local day, the interface reminders and dashboards build on."""

from __future__ import annotations

from datetime import date

import time_machine

from telehealth.extensions import db
from telehealth.patients.models import Patient
from telehealth.progress.adherence import DayCount, daily_counts
from tests.factories import make_patient
from tests.programs.helpers import log_body
from tests.support.queries import counting_queries


def _log(api, patient, assignment, performed_at, **fields) -> None:
    path = f"/api/v1/patients/{patient.id}/progress-logs"
    response = api.post(path, patient.user, json=log_body(assignment, performed_at, **fields))
    assert response.status_code == 201, response.json


def test_day_count_rate_and_completeness():
    assert DayCount(date(2026, 3, 9), planned=4, done=1).rate == 0.25
    assert DayCount(date(2026, 3, 9), planned=0, done=0).rate is None
    assert DayCount(date(2026, 3, 9), planned=2, done=2).complete
    assert not DayCount(date(2026, 3, 9), planned=0, done=0).complete
    assert not DayCount(date(2026, 3, 9), planned=2, done=1).complete


def test_a_week_counts_scheduled_days_only_and_caps_done_per_assignment(api, clinic, assign):
    with time_machine.travel("2026-03-14T15:00:00Z", tick=False):  # Saturday
        # Mon/Wed/Fri twice a day, from Tuesday 10 March; a daily one that ends on Thursday the 12th.
        mwf = assign(
            exercise="Clamshell", times_per_day=2, days_of_week=["mon", "wed", "fri"], start_date="2026-03-10"
        )
        daily = assign(exercise="Bird dog", side="none", start_date="2026-03-09", end_date="2026-03-12")
        for at in ("2026-03-11T13:00:00Z", "2026-03-11T14:00:00Z", "2026-03-11T15:00:00Z"):
            _log(api, clinic.patient, mwf, at)  # Wednesday: three logs, two count
        _log(api, clinic.patient, mwf, "2026-03-10T13:00:00Z")  # Tuesday is not a scheduled day
        _log(api, clinic.patient, daily, "2026-03-09T13:00:00Z")
        _log(api, clinic.patient, daily, "2026-03-12T13:00:00Z")
        patient = db.session.get(Patient, clinic.patient.id)
        [(patient_id, days)] = daily_counts([patient], date(2026, 3, 9), date(2026, 3, 15)).items()
    assert patient_id == clinic.patient.id
    assert [(d.date.day, d.planned, d.done) for d in days] == [
        (9, 1, 1),  # Monday: only the daily one has started
        (10, 1, 0),  # Tuesday: the daily one; the Mon/Wed/Fri log does not count
        (11, 3, 2),  # Wednesday: the Mon/Wed/Fri one done twice, the daily one not
        (12, 1, 1),
        (13, 2, 0),  # Friday: the daily one has ended
        (14, 0, 0),
        (15, 0, 0),
    ]
    assert [d.complete for d in days] == [True, False, False, True, False, False, False]


def test_an_ended_assignment_plans_nothing_from_its_end_day_and_keeps_its_past(api, clinic, assign):
    with time_machine.travel("2026-03-11T15:00:00Z", tick=False):  # Wednesday
        assignment = assign(start_date="2026-03-09")
        _log(api, clinic.patient, assignment, "2026-03-10T13:00:00Z")
        api.post(f"/api/v1/assignments/{assignment['id']}/end", clinic.therapist.user)
        patient = db.session.get(Patient, clinic.patient.id)
        days = daily_counts([patient], date(2026, 3, 9), date(2026, 3, 12))[patient.id]
    assert [(d.planned, d.done) for d in days] == [(1, 0), (1, 1), (0, 0), (0, 0)]


def test_each_patient_is_counted_in_their_own_zone(api, clinic, assign):
    tokyo = make_patient(clinic.other_therapist, timezone="Asia/Tokyo")
    with time_machine.travel("2026-03-12T00:00:00Z", tick=False):
        ny = assign(start_date="2026-03-01")
        jp = assign(patient=tokyo, start_date="2026-03-01")
        # 20:00 on the 10th in New York; 09:00 on the 11th in Tokyo.
        _log(api, clinic.patient, ny, "2026-03-11T00:00:00Z")
        _log(api, tokyo, jp, "2026-03-11T00:00:00Z")
        patients = db.session.scalars(db.select(Patient).where(Patient.id.in_([clinic.patient.id, tokyo.id])))
        counts = daily_counts(list(patients), date(2026, 3, 10), date(2026, 3, 11))
    assert [d.done for d in counts[clinic.patient.id]] == [1, 0]
    assert [d.done for d in counts[tokyo.id]] == [0, 1]


def test_daily_counts_runs_the_same_queries_for_1_or_30_patients(app, clinic, assign, api):
    with time_machine.travel("2026-03-12T00:00:00Z", tick=False):
        patients = [clinic.patient] + [make_patient(clinic.therapist) for _ in range(29)]
        for patient in patients:
            _log(api, patient, assign(patient=patient, start_date="2026-03-01"), "2026-03-11T16:00:00Z")
        loaded = list(db.session.scalars(db.select(Patient).where(Patient.id.in_([p.id for p in patients]))))

        def queries(some: list[Patient]) -> int:
            with counting_queries() as statements:
                counts = daily_counts(some, date(2026, 3, 5), date(2026, 3, 11))
            assert all(days[-1].done == 1 for days in counts.values())
            return len(statements)

        assert queries(loaded[:1]) == queries(loaded) == 2
    assert daily_counts([], date(2026, 3, 5), date(2026, 3, 11)) == {}
