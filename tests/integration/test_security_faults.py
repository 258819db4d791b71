"""Promise 7: nothing lost, nothing doubled when PostgreSQL restarts or Redis goes away.

Both faults are injected into throwaway servers of this test's own (tests/security/services.py);
the shared PostgreSQL and Redis keep serving every other test. A worker killed mid-task is
covered by the reminders tests.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from flask_migrate import upgrade
from sqlalchemy import func, select

from telehealth import create_app, jobs
from telehealth.common.time import utcnow
from telehealth.extensions import db
from telehealth.progress.models import ProgressLog
from telehealth.reminders.models import Notification
from tests.factories import Api, build_clinic, make_therapist
from tests.security.services import ThrowawayPostgres, ThrowawayRedis, unavailable
from tests.security.world import progress_log

STREAM_THREADS = 4
RETRY_ATTEMPTS = 40


@pytest.fixture
def own_postgres() -> Iterator[ThrowawayPostgres]:
    try:
        server = ThrowawayPostgres().create()
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        unavailable("a throwaway PostgreSQL cluster", exc)
    yield server
    server.delete()


@pytest.fixture
def own_redis() -> Iterator[ThrowawayRedis]:
    try:
        server = ThrowawayRedis().start()
    except (RuntimeError, OSError) as exc:
        unavailable("a throwaway redis-server", exc)
    yield server
    server.stop()


def _prescribe(api: Api, clinic: Any) -> tuple[str, str]:
    """An exercise prescribed to the clinic's patient; returns (progress-log path, assignment id)."""
    exercise = api.post(
        "/api/v1/exercises",
        clinic.therapist.user,
        json={
            "name": "Bridge",
            "instructions": "Lift the hips.",
            "body_region": "hip",
            "category": "strength",
        },
    )
    start = (utcnow() - timedelta(days=3)).date().isoformat()
    assignment = api.post(
        f"/api/v1/patients/{clinic.patient.id}/assignments",
        clinic.therapist.user,
        json={"exercise_id": exercise.json["id"], "sets": 2, "side": "none", "start_date": start},
    )
    assert assignment.status_code == 201, assignment.json
    return f"/api/v1/patients/{clinic.patient.id}/progress-logs", assignment.json["id"]


@dataclass(frozen=True)
class Answer:
    body: dict[str, Any]
    status: int
    content_type: str
    retry_after: str | None

    @property
    def retryable(self) -> bool:
        return (self.status, self.content_type) == (503, "application/problem+json") and bool(
            self.retry_after
        )


@dataclass
class Stream:
    """Clients posting progress logs as fast as they can until told to stop, each answer kept."""

    app: Any
    path: str
    headers: dict[str, str]
    assignment_id: str
    answers: list[Answer] = field(default_factory=list)
    running: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _client(self) -> None:
        client = self.app.test_client()
        n = 0
        while self.running.is_set():
            n += 1
            body = progress_log(self.assignment_id, utcnow() - timedelta(minutes=n % 600))
            response = client.post(self.path, json=body, headers=self.headers)
            answer = Answer(
                body, response.status_code, response.content_type, response.headers.get("Retry-After")
            )
            with self.lock:
                self.answers.append(answer)

    def run_while(self, faults: Any) -> None:
        self.running.set()
        threads = [threading.Thread(target=self._client) for _ in range(STREAM_THREADS)]
        for thread in threads:
            thread.start()
        try:
            faults()
        finally:
            self.running.clear()
            for thread in threads:
                thread.join(timeout=60)


def _stored(ids: list[str]) -> dict[str, int]:
    rows = db.session.execute(
        select(ProgressLog.id, func.count()).where(ProgressLog.id.in_(ids)).group_by(ProgressLog.id)
    )
    return {str(log_id): count for log_id, count in rows}


def test_a_postgresql_restart_loses_no_log_and_retries_store_each_exactly_once(own_postgres):
    app = create_app(
        "test",
        {"SQLALCHEMY_DATABASE_URI": own_postgres.url, "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True}},
    )
    with app.app_context():
        upgrade(revision="heads")
        clinic, api = build_clinic(), Api(app)
        path, assignment_id = _prescribe(api, clinic)
        stream = Stream(
            app, path, {"Authorization": f"Bearer {api.token_for(clinic.patient.user)}"}, assignment_id
        )
        db.session.remove()

        def restart_twice() -> None:
            for mode in ("fast", "immediate"):  # a clean shutdown, then a crash
                time.sleep(0.5)
                own_postgres.stop(mode)
                time.sleep(0.5)
                own_postgres.start()
            time.sleep(0.5)

        stream.run_while(restart_twice)

        refused = [answer for answer in stream.answers if answer.status not in (200, 201)]
        odd = [(a.status, a.content_type, a.retry_after) for a in refused if not a.retryable]
        assert odd == [], "every failure must be a retryable 503 problem with Retry-After"
        assert refused, "the restarts should have refused some requests"
        assert len(stream.answers) - len(refused) > 20

        created = [a.body["id"] for a in stream.answers if a.status == 201]
        assert _stored(created) == dict.fromkeys(created, 1), "a 201 means stored, once"

        client = app.test_client()
        for answer in refused:  # the client retries each refused log with the same id
            status = 503
            for _ in range(RETRY_ATTEMPTS):
                status = client.post(path, json=answer.body, headers=stream.headers).status_code
                if status != 503:
                    break
                time.sleep(0.25)
            assert status in (200, 201)
        for answer in stream.answers[:: max(1, len(stream.answers) // 25)]:  # resending changes nothing
            assert client.post(path, json=answer.body, headers=stream.headers).status_code == 200
        every = [a.body["id"] for a in stream.answers]
        assert _stored(every) == dict.fromkeys(every, 1), "each log stored exactly once"
        print(
            f"\nfaults: 2 restarts, {len(stream.answers)} posts, {len(refused)} refused with 503 and retried"
        )
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def redis_backed_app(pg_app, own_redis, smtp) -> Iterator[Any]:
    """The API on the shared test database, with its broker and rate limits on the throwaway Redis."""
    app = create_app(
        "test",
        {
            "SQLALCHEMY_DATABASE_URI": pg_app.config["SQLALCHEMY_DATABASE_URI"],
            "CELERY_BROKER_URL": own_redis.url,
            "RATELIMIT_STORAGE_URI": own_redis.url,
            "MAIL_BACKEND": "smtp",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": smtp.port,
        },
    )
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_with_redis_down_api_writes_succeed_and_reminders_wait_in_the_outbox(redis_backed_app, own_redis):
    app = redis_backed_app
    clinic, api = build_clinic(), Api(app)
    path, assignment_id = _prescribe(api, clinic)
    therapist, patient = clinic.therapist.user, clinic.patient.user
    api.token_for(patient)
    own_redis.stop()

    writes = {
        "new patient (queues an invitation)": api.post(
            "/api/v1/patients",
            therapist,
            json={
                "email": "offline@patients-test.org",
                "first_name": "Ola",
                "last_name": "Offline",
                "date_of_birth": "1990-02-02",
                "timezone": "Europe/Oslo",
            },
        ),
        "progress log": api.post(
            path, patient, json=progress_log(assignment_id, utcnow() - timedelta(minutes=5))
        ),
        "visit (plans its reminders)": api.post(
            "/api/v1/sessions",
            therapist,
            json={
                "patient_id": str(clinic.patient.id),
                "starts_at": (utcnow() + timedelta(days=2)).isoformat(),
                "duration_minutes": 30,
                "kind": "follow_up",
            },
        ),
        "reminder settings": api.put(
            f"/api/v1/patients/{clinic.patient.id}/reminder-settings",
            patient,
            json={"exercise_reminder_time": "08:15"},
        ),
        "sign-in (rate limit store down)": app.test_client().post(
            "/api/v1/auth/tokens", json={"email": therapist.email, "password": "correct-horse-battery"}
        ),
        "password reset (queues an email)": app.test_client().post(
            "/api/v1/auth/password-reset", json={"email": patient.email}
        ),
    }
    statuses = {name: response.status_code for name, response in writes.items()}
    assert all(status < 300 for status in statuses.values()), statuses
    guesses = {"email": patient.email, "password": "not-the-password"}
    throttled = [app.test_client().post("/api/v1/auth/tokens", json=guesses).status_code for _ in range(6)]
    assert throttled == [401] * 5 + [429], "with Redis down, each process still throttles on its own"
    pending = db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.patient_id == clinic.patient.id, Notification.kind == "session_reminder")
    )
    assert pending >= 1


NEW_PATIENT = {
    "email": "invited-offline@patients-test.org",
    "first_name": "Ines",
    "last_name": "Invited",
    "date_of_birth": "1984-04-04",
    "timezone": "Europe/Lisbon",
}


def test_an_invitation_asked_for_while_redis_is_down_is_sent_once_it_is_back(
    redis_backed_app, own_redis, smtp
):
    inbox, _ = smtp
    therapist = make_therapist()
    api = Api(redis_backed_app)
    api.token_for(therapist.user)
    own_redis.stop()
    assert api.post("/api/v1/patients", therapist.user, json=NEW_PATIENT).status_code == 201
    assert inbox.to(NEW_PATIENT["email"], timeout=1) == []
    own_redis.start()
    import worker.tasks  # noqa: F401  (registers the shared tasks)

    celery_app = redis_backed_app.extensions["celery"]
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        # What beat runs every minute: jobs the broker could not take are handed over now.
        assert jobs.dispatch_pending() == 1
        db.session.commit()
        assert len(inbox.to(NEW_PATIENT["email"], timeout=8)) == 1
        assert jobs.dispatch_pending() == 0  # handed over once, not again
