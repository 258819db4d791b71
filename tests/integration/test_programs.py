"""Programs and progress logs on a real PostgreSQL: the migration, and idempotent writes under races."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from telehealth import create_app
from telehealth.accounts import service as accounts
from telehealth.common.time import isoformat_z, utcnow, zone
from telehealth.extensions import db
from telehealth.patients.models import Patient
from telehealth.programs.library import library_id, seed_library
from telehealth.programs.models import Exercise
from telehealth.progress.adherence import daily_counts
from telehealth.progress.models import ProgressLog
from tests.factories import Api, build_clinic
from tests.integration.conftest import temporary_database
from tests.programs.helpers import log_body, schema_differences


@pytest.fixture
def empty_pg() -> Iterator[str]:
    """A database of its own, so the data migration is seen before any test truncates tables."""
    with temporary_database("telehealth_programs") as url:
        yield url


def test_migration_builds_our_tables_as_modelled_and_seeds_the_library_on_postgresql(empty_pg):
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": empty_pg})
    with app.app_context():
        upgrade(revision="0002_programs")
        assert db.session.scalar(select(func.count()).select_from(Exercise)) == 24
        assert db.session.get(Exercise, library_id("Glute bridge")).default_hold_seconds == 3
        assert seed_library() == 0
        # End the reads' transaction: its lock on exercises would hold up the later ALTERs forever.
        db.session.rollback()
        upgrade(revision="heads")
        assert schema_differences() == []
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def programme(pg_app):
    """A clinic on PostgreSQL with the library and one assignment; the patient's bearer header."""
    seed_library()
    clinic = build_clinic()
    api = Api(pg_app)
    assignment = api.post(
        f"/api/v1/patients/{clinic.patient.id}/assignments",
        clinic.therapist.user,
        json={
            "exercise_id": str(library_id("Clamshell")),
            "sets": 3,
            "reps": 10,
            "side": "both",
            "times_per_day": 2,
            "start_date": "2026-01-01",
        },
    )
    assert assignment.status_code == 201, assignment.json
    headers = {"Authorization": f"Bearer {api.token_for(clinic.patient.user)}"}
    return clinic, assignment.json, headers


def _phones(pg_app, patient, count: int) -> list[dict[str, str]]:
    """One signed-in device per request, each token already touched, so no request waits on
    another's credential row and the log's own insert is what races."""
    headers = []
    for n in range(count):
        raw, _ = accounts.issue_token(patient.user, f"phone {n}")
        headers.append({"Authorization": f"Bearer {raw}"})
    db.session.commit()
    client = pg_app.test_client()
    for header in headers:
        assert client.get("/api/v1/me", headers=header).status_code == 200
    return headers


def _in_parallel(pg_app, method: str, path: str, headers: list[dict[str, str]], json: dict) -> list:
    """One request per header, released together, each from its own thread and test client."""
    start = threading.Barrier(len(headers))
    responses: list = [None] * len(headers)

    def run(n: int) -> None:
        client = pg_app.test_client()
        start.wait()
        responses[n] = client.open(path, method=method, headers=headers[n], json=json)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(headers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


def test_fifty_parallel_posts_of_the_same_log_leave_exactly_one_row(pg_app, programme):
    clinic, assignment, _ = programme
    body = log_body(assignment, isoformat_z(utcnow() - timedelta(hours=1)), side="left")
    path = f"/api/v1/patients/{clinic.patient.id}/progress-logs"
    responses = _in_parallel(pg_app, "POST", path, _phones(pg_app, clinic.patient, 50), body)
    statuses = Counter(response.status_code for response in responses)
    assert statuses == {201: 1, 200: 49}
    assert {response.json["id"] for response in responses} == {body["id"]}
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(ProgressLog)) == 1


def test_parallel_batches_with_the_same_logs_write_each_log_once(pg_app, programme):
    clinic, assignment, headers = programme
    when = isoformat_z(utcnow() - timedelta(hours=2))
    logs = [log_body(assignment, when) for _ in range(40)]
    path = f"/api/v1/patients/{clinic.patient.id}/progress-logs/batch"
    responses = _in_parallel(pg_app, "POST", path, _phones(pg_app, clinic.patient, 8), {"logs": logs})
    assert {response.status_code for response in responses} == {200}
    statuses = Counter(result["status"] for r in responses for result in r.json["results"])
    assert statuses == {"created": 40, "duplicate": 7 * 40}
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(ProgressLog)) == 40
    # A changed body under a stored id is a conflict, on PostgreSQL's ON CONFLICT path too.
    changed = [logs[0] | {"pain_score": 9}, log_body(assignment, when)]
    answer = pg_app.test_client().post(path, headers=headers, json={"logs": changed}).json
    assert [r["status"] for r in answer["results"]] == ["conflict", "created"]


def test_daily_counts_reads_timestamps_in_the_patients_zone_on_postgresql(pg_app, programme):
    clinic, assignment, headers = programme
    now = utcnow()
    client = pg_app.test_client()
    path = f"/api/v1/patients/{clinic.patient.id}/progress-logs"
    for side in ("left", "right", None):
        fields = {"side": side} if side else {}
        response = client.post(path, headers=headers, json=log_body(assignment, isoformat_z(now), **fields))
        assert response.status_code == 201
    patient = db.session.get(Patient, clinic.patient.id)
    today = now.astimezone(zone(patient.timezone)).date()
    [day] = daily_counts([patient], today, today)[patient.id]
    assert (day.date, day.planned, day.done, day.complete) == (today, 2, 2, True)
    served = client.get(f"/api/v1/patients/{clinic.patient.id}/today", headers=headers).json
    assert served["date"] == today.isoformat() and served["completion"] == 1.0
