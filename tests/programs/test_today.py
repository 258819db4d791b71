"""GET /patients/{id}/today: the plan for a local date in the patient's own time zone."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import time_machine

from tests.factories import make_patient
from tests.programs.helpers import log_body
from tests.support.queries import counting_queries


def _today(patient) -> str:
    return f"/api/v1/patients/{patient.id}/today"


def _log(api, patient, assignment, performed_at, **fields) -> None:
    response = api.post(
        f"/api/v1/patients/{patient.id}/progress-logs",
        patient.user,
        json=log_body(assignment, performed_at, **fields),
    )
    assert response.status_code == 201, response.json


def test_today_lists_what_is_scheduled_with_planned_done_and_completion(api, clinic, assign):
    with time_machine.travel("2026-03-10T15:00:00Z", tick=False):  # Tuesday, 11:00 in New York
        twice = assign(exercise="Clamshell", times_per_day=2, start_date="2026-03-01")
        once = assign(exercise="Dead bug", side="none", start_date="2026-03-01")
        assign(exercise="Glute bridge", days_of_week=["mon", "wed"], start_date="2026-03-01")
        assign(exercise="Bird dog", start_date="2026-03-11")
        assign(exercise="Cat-camel", start_date="2026-03-01", end_date="2026-03-09")
        ended = assign(exercise="Pelvic tilt", start_date="2026-03-01")
        api.post(f"/api/v1/assignments/{ended['id']}/end", clinic.therapist.user)
        for at in ("2026-03-10T12:00:00Z", "2026-03-10T13:00:00Z", "2026-03-10T14:00:00Z"):
            _log(api, clinic.patient, twice, at)
        _log(api, clinic.patient, once, "2026-03-09T20:00:00Z")  # yesterday

        response = api.get(_today(clinic.patient), clinic.patient.user)

    assert response.status_code == 200, response.json
    body = response.json
    assert body["date"] == "2026-03-10"
    first, second = sorted(body["items"], key=lambda item: item["exercise"]["name"])
    assert (first["exercise"]["name"], second["exercise"]["name"]) == ("Clamshell", "Dead bug")
    assert (first["planned"], first["done"], first["complete"]) == (2, 2, True)  # 3 logs, capped at 2
    assert (second["planned"], second["done"], second["complete"]) == (1, 0, False)
    assert first["assignment"]["id"] == twice["id"]
    assert first["exercise"]["instructions"]
    assert body["completion"] == 2 / 3


def test_today_follows_the_patients_midnight_not_utcs(api, clinic, assign):
    tokyo = make_patient(clinic.therapist, timezone="Asia/Tokyo")
    with time_machine.travel("2026-05-01T15:30:00Z", tick=False):  # 00:30 on 2 May in Tokyo
        assignment = assign(patient=tokyo, times_per_day=2, start_date="2026-04-01")
        _log(api, tokyo, assignment, "2026-05-01T14:50:00Z")  # 23:50 on 1 May in Tokyo
        _log(api, tokyo, assignment, "2026-05-01T15:10:00Z")  # 00:10 on 2 May in Tokyo
        today = api.get(_today(tokyo), tokyo.user).json
        yesterday = api.get(f"{_today(tokyo)}?date=2026-05-01", clinic.therapist.user).json
    assert today["date"] == "2026-05-02" and today["items"][0]["done"] == 1
    assert yesterday["date"] == "2026-05-01" and yesterday["items"][0]["done"] == 1
    assert today["completion"] == yesterday["completion"] == 0.5


def test_today_is_right_when_clocks_spring_forward(api, clinic, assign):
    # New York moves from UTC-5 to UTC-4 at 02:00 on Sunday 8 March 2026.
    with time_machine.travel("2026-03-09T04:30:00Z", tick=False):  # 00:30 on 9 March, daylight time
        assignment = assign(times_per_day=3, start_date="2026-03-01")
        _log(api, clinic.patient, assignment, "2026-03-08T04:30:00Z")  # 23:30 on 7 March, standard time
        _log(api, clinic.patient, assignment, "2026-03-08T05:30:00Z")  # 00:30 on 8 March
        _log(api, clinic.patient, assignment, "2026-03-09T03:30:00Z")  # 23:30 on 8 March, daylight time
        _log(api, clinic.patient, assignment, "2026-03-09T04:10:00Z")  # 00:10 on 9 March
        days = {
            day: api.get(f"{_today(clinic.patient)}?date={day}", clinic.patient.user).json
            for day in ("2026-03-07", "2026-03-08")
        }
        today = api.get(_today(clinic.patient), clinic.patient.user).json
    assert today["date"] == "2026-03-09"
    assert today["items"][0]["done"] == 1
    assert days["2026-03-08"]["items"][0]["done"] == 2
    assert days["2026-03-07"]["items"][0]["done"] == 1


def test_today_is_right_when_clocks_fall_back(api, clinic, assign):
    # New York moves from UTC-4 to UTC-5 at 02:00 on Sunday 1 November 2026: a 25-hour day.
    with time_machine.travel("2026-11-02T04:55:00Z", tick=False):  # 23:55 on 1 November, standard time
        assignment = assign(times_per_day=3, start_date="2026-10-01")
        _log(api, clinic.patient, assignment, "2026-11-01T03:50:00Z")  # 23:50 on 31 October, daylight time
        _log(api, clinic.patient, assignment, "2026-11-01T04:10:00Z")  # 00:10 on 1 November, daylight time
        _log(api, clinic.patient, assignment, "2026-11-02T04:50:00Z")  # 23:50 on 1 November, standard time
        today = api.get(_today(clinic.patient), clinic.patient.user).json
        before = api.get(f"{_today(clinic.patient)}?date=2026-10-31", clinic.patient.user).json
    assert today["date"] == "2026-11-01"
    assert today["items"][0]["done"] == 2
    assert before["items"][0]["done"] == 1


def test_a_set_of_both_sides_counts_once(api, clinic, assign):
    with time_machine.travel("2026-03-10T15:00:00Z", tick=False):
        assignment = assign(side="both", times_per_day=3, start_date="2026-03-01")
        done = []
        for side in ("left", "right", "left", None, "left"):
            fields = {"side": side} if side else {}
            _log(api, clinic.patient, assignment, "2026-03-10T14:00:00Z", **fields)
            done.append(api.get(_today(clinic.patient), clinic.patient.user).json["items"][0]["done"])
    # left, +right = one set, +left, +a log covering both sides, +left pairs with the earlier left
    assert done == [0, 1, 1, 2, 2]


def test_a_day_with_nothing_planned_has_no_completion(api, clinic, assign):
    with time_machine.travel("2026-03-10T15:00:00Z", tick=False):
        assign(days_of_week=["sat", "sun"], start_date="2026-03-01")
        body = api.get(_today(clinic.patient), clinic.patient.user).json
    assert body == {"date": "2026-03-10", "items": [], "completion": None}


def test_today_is_for_the_patient_and_their_care_team(api, clinic, assign):
    path = _today(clinic.patient)
    assert api.get(path, clinic.patient.user).status_code == 200
    assert api.get(path, clinic.therapist.user).status_code == 200
    assert api.get(path, clinic.admin).status_code == 403
    assert api.get(path, clinic.other_therapist.user).status_code == 404
    assert api.get(path, clinic.other_patient.user).status_code == 404
    assert api.get(path).status_code == 401


def test_a_bad_date_is_422_naming_it(api, clinic, assign):
    for value in ("2026-02-30", "tomorrow", "9999-12-31", "0001-01-01"):
        response = api.get(f"{_today(clinic.patient)}?date={value}", clinic.patient.user)
        assert response.status_code == 422 and "date" in response.json["errors"], value


def test_today_runs_the_same_queries_for_1_or_50_assignments(api, clinic, assign):
    with time_machine.travel("2026-03-10T15:00:00Z", tick=False):
        first = assign(start_date="2026-03-01")
        _log(api, clinic.patient, first, "2026-03-10T14:00:00Z")

        def count() -> tuple[int, int]:
            with counting_queries() as statements:
                response = api.get(_today(clinic.patient), clinic.patient.user)
            return len(statements), len(response.json["items"])

        with_one = count()
        for n in range(49):
            more = assign(exercise="Glute bridge", start_date="2026-03-01", notes=f"copy {n}")
            _log(api, clinic.patient, more, "2026-03-10T14:00:00Z")
        with_fifty = count()
    assert with_one[1] == 1 and with_fifty[1] == 50
    assert with_one[0] == with_fifty[0]


def test_today_counts_what_the_adherence_read_out_counts_for_the_same_day(api, clinic, assign):
    # GET /today reads its day in one query of its own; the adherence read-out, the caseload and the
    # reminders count days another way. Random logs around New York's spring-forward night must
    # give both the same planned and done on every day.
    rng = random.Random(20260308)
    patient = make_patient(clinic.therapist, timezone="America/New_York")
    with time_machine.travel("2026-03-09T16:00:00Z", tick=False):
        since = {"patient": patient, "start_date": "2026-03-01"}
        assignments = [
            assign(exercise="Clamshell", side="both", times_per_day=2, **since),
            assign(exercise="Dead bug", side="left", **since),
            assign(exercise="Glute bridge", days_of_week=["sat", "mon"], **since),
        ]
        start = datetime(2026, 3, 7, 4, 0, tzinfo=UTC)  # 23:00 on 6 March in New York
        for _ in range(40):
            assignment = rng.choice(assignments)
            at = start + timedelta(minutes=rng.randrange(0, 60 * 59))
            side = rng.choice([None, "left", "right"]) if assignment["side"] == "both" else None
            _log(api, patient, assignment, at.isoformat(), side=side)
        days = ["2026-03-07", "2026-03-08", "2026-03-09"]
        adherence = api.get(
            f"/api/v1/patients/{patient.id}/adherence?from={days[0]}&to={days[-1]}", clinic.therapist.user
        ).json["days"]
        for day, counted in zip(days, adherence, strict=True):
            today = api.get(f"{_today(patient)}?date={day}", clinic.therapist.user).json
            planned = sum(item["planned"] for item in today["items"])
            done = sum(item["done"] for item in today["items"])
            assert (counted["date"], counted["planned"], counted["done"]) == (day, planned, done)
            assert done > 0
