"""Reminders survive faults: a worker killed mid-batch, and Redis stopped while the API takes writes."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import redis
import time_machine
from celery.contrib.testing.worker import start_worker

from telehealth import create_app
from telehealth.extensions import db
from tests.integration.conftest import _free_port
from tests.integration.test_reminders import NY, Clinic, drain, exercise_emails, local, scan
from tests.support import clocked

ROOT = Path(__file__).resolve().parents[2]


def _celery_worker(app, smtp_port: int, log: Path) -> subprocess.Popen:
    """A real `celery -A worker worker` process, configured from the environment like production.

    It runs on the test's clock (travelled by time_machine), read at the moment it starts, so the
    worker and the scans judge the same rows by the same time on whatever day the suite runs.
    """
    env = {
        **os.environ,
        "TELEHEALTH_ENV": "development",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["CELERY_BROKER_URL"],
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
        "PUBLIC_BASE_URL": app.config["PUBLIC_BASE_URL"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "TELEHEALTH_INSTANCE_DIR": str(log.parent / "worker-instance"),
    }
    queue = app.extensions["celery"].conf.task_default_queue
    return subprocess.Popen(
        clocked.command(
            datetime.now(UTC),
            "celery",
            "-A",
            "worker",
            "worker",
            "-Q",
            queue,
            "--pool",
            "solo",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "--loglevel",
            "WARNING",
        ),
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_worker_killed_mid_batch_delivers_every_reminder_exactly_once(pg_app, smtp, tmp_path):
    inbox, port = smtp
    smtp.delay = 0.3
    log = tmp_path / "worker.log"
    with time_machine.travel(local(NY, 2026, 11, 23, 8, 0), tick=True) as clock:
        clinic = Clinic(pg_app)
        patients = [clinic.patient(NY, "09:00", start=date(2026, 11, 23)) for _ in range(12)]
        inbox.messages.clear()  # the invitations are not under test here
        clock.move_to(local(NY, 2026, 11, 23, 9, 0, 30))
        scan()  # one batch of 12, handed to the queue

        first = _celery_worker(pg_app, port, log)
        try:
            _wait_for(lambda: len(inbox.messages) >= 4, 60, "the first emails")
        finally:
            first.send_signal(signal.SIGKILL)  # no warm shutdown, no ack: mid-batch
            first.wait(10)
        delivered_before_kill = len(inbox.messages)
        assert delivered_before_kill < len(patients)

        clock.shift(timedelta(minutes=6))  # long enough for the scan to call the rows stuck
        second = _celery_worker(pg_app, port, log)
        try:
            scan()
            _wait_for(
                lambda: len({m["Message-ID"] for m in inbox.messages}) >= len(patients),
                60,
                "the rest of the emails",
            )
            time.sleep(1)  # anything doubled would arrive now
            drain()
        finally:
            second.terminate()
            second.wait(10)

    for patient in patients:
        ids = {m["Message-ID"] for m in exercise_emails(inbox, patient)}
        assert len(ids) == 1, f"{patient.user.email}: {ids}"
    copies = Counter(m["Message-ID"] for m in inbox.messages)
    # Only the one message in flight at the kill may reach the server twice, under the same
    # Message-ID, which mail systems treat as one message; no patient gets two reminders.
    assert sum(n - 1 for n in copies.values()) <= 1, log.read_text()[-2000:]


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of this test's own, so stopping it disturbs nothing else."""
    port = _free_port()

    def start() -> subprocess.Popen:
        process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(tmp_path),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=port, socket_connect_timeout=0.2)
        _wait_for(lambda: _pings(client), 10, "redis to start")
        return process

    holder = {"process": start()}
    yield port, holder, start
    holder["process"].terminate()
    holder["process"].wait(5)


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


def test_redis_down_api_writes_succeed_and_reminders_go_out_when_it_returns(pg_app, smtp, own_redis):
    inbox, port = smtp
    redis_port, holder, start_redis = own_redis
    queue = f"redis-down-{uuid.uuid4().hex[:6]}"
    app = create_app(
        "test",
        {
            "SQLALCHEMY_DATABASE_URI": pg_app.config["SQLALCHEMY_DATABASE_URI"],
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
            "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{redis_port}/1",
            "MAIL_BACKEND": "smtp",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": port,
        },
    )
    app.extensions["celery"].conf.task_default_queue = queue
    with app.app_context(), time_machine.travel(local(NY, 2026, 11, 23, 8, 0), tick=True) as clock:
        clinic = Clinic(app)
        patient = clinic.patient(NY, "09:00", start=date(2026, 11, 22))
        token_holder = clinic.api.token_for(patient.user)
        assert token_holder

        holder["process"].terminate()  # Redis goes away
        holder["process"].wait(5)
        statuses = []
        for _ in range(3):
            response = clinic.api.post(
                f"/api/v1/patients/{patient.id}/progress-logs",
                patient.user,
                json={
                    "id": str(uuid.uuid4()),
                    "assignment_id": patient.assignment_id,
                    "performed_at": local(NY, 2026, 11, 22, 18, 0).isoformat(),
                    "sets_completed": 1,
                    "pain_score": 3,
                },
            )
            statuses.append(response.status_code)
        visit = clinic.api.post(
            "/api/v1/sessions",
            clinic.therapist.user,
            json={
                "patient_id": str(patient.id),
                "starts_at": local(NY, 2026, 11, 25, 10, 0).isoformat(),
                "duration_minutes": 30,
                "kind": "follow_up",
            },
        )
        statuses.append(visit.status_code)
        new_patient = clinic.api.post(
            "/api/v1/patients",
            clinic.therapist.user,
            json={
                "email": "offline.patient@patients-test.org",
                "first_name": "Olly",
                "last_name": "Offline",
                "date_of_birth": "1990-01-01",
                "timezone": NY,
            },
        )
        statuses.append(new_patient.status_code)
        assert statuses == [201, 201, 201, 201, 201]

        clock.move_to(local(NY, 2026, 11, 23, 9, 0, 30))
        scan()  # the reminder is claimed, but cannot be handed to a worker yet
        assert exercise_emails(inbox, patient) == []

        holder["process"] = start_redis()  # Redis is back
        import worker.tasks  # noqa: F401  (registers the tasks)

        with start_worker(
            app.extensions["celery"],
            pool="solo",
            perform_ping_check=False,
            loglevel="WARNING",
            queues=[queue],
        ):
            clock.shift(timedelta(minutes=6))
            scan()  # the next scans find the stranded row and hand it over
            drain()
            assert len(exercise_emails(inbox, patient)) == 1
        db.session.remove()
