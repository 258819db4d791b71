"""Racing bookings never double-book anyone, on a real migrated PostgreSQL and on a SQLite file.

The SQLite case is the zero-setup default (`make run`): several server threads share one file.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, inspect, select

from telehealth.common.time import utcnow
from telehealth.extensions import db
from telehealth.patients.models import CareTeamMember
from telehealth.visits.models import ACTIVE_STATUSES, Visit
from tests.factories import PASSWORD, make_patient, make_therapist

RACERS = 20


def _token(app, user) -> str:
    response = app.test_client().post("/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 201, response.json
    token = response.json["token"]
    # Once used, a token is not written to again for a while: the race starts with no write at all.
    assert (
        app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    )
    return token


def _race(app, requests: list[tuple[str, Callable]]) -> Counter:
    """Fire every request at once, each from its own thread, test client and bearer token."""
    gate = threading.Barrier(len(requests))
    statuses: list[int] = []

    def run(token: str, send: Callable) -> None:
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        gate.wait()
        statuses.append(send(client, headers).status_code)

    threads = [threading.Thread(target=run, args=request) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return Counter(statuses)


def _booking(patient_id, starts_at, minutes: int = 60) -> Callable:
    body = {
        "patient_id": str(patient_id),
        "starts_at": starts_at.isoformat(),
        "duration_minutes": minutes,
        "kind": "follow_up",
    }
    return lambda client, headers: client.post("/api/v1/sessions", headers=headers, json=body)


def _active_visits() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Visit).where(Visit.status.in_(ACTIVE_STATUSES)))


def test_migrations_build_the_visits_table_with_the_reminder_index(pg_app):
    indexes = {index["name"]: index["column_names"] for index in inspect(db.engine).get_indexes("visits")}
    assert indexes["ix_visits_status_starts_at"] == ["status", "starts_at"]


def test_racing_bookings_of_one_therapist_create_exactly_one_visit(racing_app):
    therapist = make_therapist()
    patients = [make_patient(therapist) for _ in range(RACERS)]
    start = utcnow().replace(microsecond=0) + timedelta(days=1)
    requests = [
        # Each a different patient, all overlapping: only the therapist's time is contested.
        (_token(racing_app, therapist.user), _booking(patient.id, start + timedelta(minutes=i)))
        for i, patient in enumerate(patients)
    ]
    assert _race(racing_app, requests) == Counter({201: 1, 409: RACERS - 1})
    assert _active_visits() == 1


def test_racing_bookings_of_one_patient_with_two_therapists_create_exactly_one_visit(racing_app):
    first, second = make_therapist(), make_therapist()
    patient = make_patient(first)
    patient.care_team.append(CareTeamMember(therapist_id=second.id))
    db.session.commit()
    tokens = {first.id: _token(racing_app, first.user), second.id: _token(racing_app, second.user)}
    start = utcnow().replace(microsecond=0) + timedelta(days=1)
    requests = [
        (tokens[(first, second)[i % 2].id], _booking(patient.id, start + timedelta(minutes=i)))
        for i in range(RACERS)
    ]
    assert _race(racing_app, requests) == Counter({201: 1, 409: RACERS - 1})
    assert _active_visits() == 1


def test_racing_reschedules_into_one_slot_move_exactly_one_visit(racing_app):
    therapist = make_therapist()
    token = _token(racing_app, therapist.user)
    client = racing_app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    start = utcnow().replace(microsecond=0) + timedelta(days=1)
    visit_ids = []
    for i in range(10):
        patient = make_patient(therapist)
        booked = _booking(patient.id, start + timedelta(hours=2 * i))(client, headers)
        assert booked.status_code == 201, booked.json
        visit_ids.append(booked.json["id"])

    slot = {"starts_at": (start - timedelta(hours=3)).isoformat()}

    def move(visit_id: str) -> Callable:
        return lambda c, h: c.patch(f"/api/v1/sessions/{visit_id}", headers=h, json=slot)

    assert _race(racing_app, [(token, move(visit_id)) for visit_id in visit_ids]) == Counter({200: 1, 409: 9})
    db.session.expire_all()
    in_slot = db.session.scalar(
        select(func.count()).select_from(Visit).where(Visit.starts_at == start - timedelta(hours=3))
    )
    assert in_slot == 1
