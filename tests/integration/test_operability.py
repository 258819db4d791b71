"""Metrics and logs on real services: gunicorn in multiprocess mode, a Celery worker, PostgreSQL.

The API's figures are scraped from the port the gunicorn master serves after real requests; the
worker's after a real reminder delivery over SMTP. The log lines of a request and of the task it
queued are read as JSON and must share one request id and hold no patient data.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import requests
import time_machine
from prometheus_client.parser import text_string_to_metric_families
from werkzeug.serving import make_server

from telehealth.common.time import utcnow
from telehealth.extensions import db
from telehealth.jobs.models import OutboxJob
from telehealth.ops import metrics
from telehealth.ops.logs import RequestIdFilter, json_formatter
from telehealth.reminders.models import Channel, Kind, Notification, Status
from tests.factories import PASSWORD, build_clinic
from tests.integration.test_reminders import NY, Clinic, drain, exercise_emails, local, scan
from tests.security.services import free_port

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "metrics-token-for-the-test"


def scrape(port: int, token: str | None = TOKEN) -> dict[tuple[str, tuple], float]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = requests.get(f"http://127.0.0.1:{port}/metrics", headers=headers, timeout=10)
    response.raise_for_status()
    samples: dict[tuple[str, tuple], float] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    samples[("__text__", ())] = response.text  # type: ignore[assignment]
    return samples


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def gunicorn(pg_app, migrated_pg, redis_url, tmp_path) -> Iterator[dict]:
    port, metrics_port = free_port(), free_port()
    env = {
        **os.environ,
        "TELEHEALTH_ENV": "production",
        "SECRET_KEY": "s" * 48,
        "DATABASE_URL": migrated_pg,
        "REDIS_URL": redis_url,
        "TELEHEALTH_INSTANCE_DIR": str(tmp_path / "instance"),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
        "METRICS_PORT": str(metrics_port),
        "METRICS_ADDRESS": "127.0.0.1",
        "METRICS_TOKEN": TOKEN,
        "LOG_FORMAT": "json",
    }
    log_file = (tmp_path / "gunicorn.log").open("w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--worker-class", "gthread", "--threads", "2", "wsgi:app"],
        cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).ok:
                    break
            except requests.RequestException:  # not listening yet, or workers still booting
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                log_file.seek(0)
                pytest.fail(f"gunicorn did not start:\n{log_file.read()[-3000:]}")
            time.sleep(0.3)
        yield {"url": f"http://127.0.0.1:{port}", "metrics_port": metrics_port, "log": log_file}
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        log_file.close()


def test_gunicorn_master_serves_every_workers_request_figures_by_route_template(pg_app, gunicorn):
    clinic = build_clinic()
    api = f"{gunicorn['url']}/api/v1"
    login = requests.post(
        f"{api}/auth/tokens",
        json={"email": clinic.therapist.user.email, "password": PASSWORD},
        timeout=30,
    )
    assert login.status_code == 201
    auth = {"Authorization": f"Bearer {login.json()['token']}"}
    patient = clinic.patient
    for _ in range(4):  # two workers: the figures of both must be added up by the master
        assert requests.get(f"{api}/patients/{patient.id}", headers=auth, timeout=10).status_code == 200
    listed = requests.get(f"{api}/patients", params={"q": patient.user.email}, headers=auth, timeout=10)
    assert listed.status_code == 200
    assert (
        requests.get(f"{api}/patients/{clinic.other_patient.id}", headers=auth, timeout=10).status_code == 404
    )
    assert requests.get(f"{gunicorn['url']}/no/such/{patient.id}", timeout=10).status_code == 404

    refused = requests.get(f"http://127.0.0.1:{gunicorn['metrics_port']}/metrics", timeout=10)
    assert refused.status_code == 401  # METRICS_TOKEN is set: no bearer, no figures
    samples = scrape(gunicorn["metrics_port"])
    one = {"method": "GET", "route": "/api/v1/patients/<uuid:patient_id>"}
    assert value(samples, "telehealth_http_requests_total", **one, status="200") == 4
    assert value(samples, "telehealth_http_requests_total", **one, status="404") == 1
    assert (
        value(samples, "telehealth_http_requests_total", method="GET", route="/api/v1/patients", status="200")
        == 1
    )
    assert (
        value(
            samples,
            "telehealth_http_requests_total",
            method="POST",
            route="/api/v1/auth/tokens",
            status="201",
        )
        == 1
    )
    assert (
        value(samples, "telehealth_http_requests_total", method="GET", route="<unmatched>", status="404") == 1
    )
    assert value(samples, "telehealth_http_request_duration_seconds_count", **one, status="200") == 4
    assert value(samples, "telehealth_http_request_duration_seconds_sum", **one, status="200") > 0
    assert ("telehealth_http_requests_in_flight", ()) in samples
    assert value(samples, "telehealth_db_pool_connections_open") >= 1
    assert ("telehealth_db_pool_connections_in_use", ()) in samples
    text = samples[("__text__", ())]
    for private in (
        str(patient.id),
        str(clinic.other_patient.id),
        patient.user.email,
        patient.user.last_name,
    ):
        assert private not in text

    # The same requests, one JSON line each, by route template and without the patient.
    gunicorn["log"].flush()
    gunicorn["log"].seek(0)
    lines = [json.loads(line) for line in gunicorn["log"].read().splitlines() if line.startswith("{")]
    requests_logged = [line for line in lines if line.get("logger") == "telehealth.requests"]
    assert len([r for r in requests_logged if r["route"] == one["route"] and r["status"] == 200]) == 4
    for line in requests_logged:
        assert {"time", "level", "request_id", "method", "route", "status", "duration_ms"} <= set(line)
    listing = next(r for r in requests_logged if r["route"] == "/api/v1/patients")
    assert listing["user_id"] == str(clinic.therapist.user.id)
    everything = json.dumps(lines)
    for private in (str(patient.id), patient.user.email, login.json()["token"]):
        assert private not in everything


def test_worker_figures_after_a_real_delivery(pg_app, worker, smtp):
    inbox, _ = smtp
    port = free_port()
    server = metrics.serve(port, token=TOKEN, extra=[metrics.OutboxCollector(pg_app)])  # as at worker_init
    try:
        before = scrape(port)
        with time_machine.travel(local(NY, 2026, 11, 23, 8, 0), tick=True) as clock:
            clinic = Clinic(pg_app)
            patient = clinic.patient(NY, "09:00", start=date(2026, 11, 23))
            clock.move_to(local(NY, 2026, 11, 23, 9, 0, 30))
            scan()
            drain()
            assert len(exercise_emails(inbox, patient)) == 1
            # One reminder due ten minutes ago that no scan has claimed, and one job the broker never took.
            now = utcnow()
            due = now - timedelta(minutes=10)
            db.session.add(
                Notification(
                    patient_id=patient.id,
                    kind=Kind.INACTIVITY,
                    channel=Channel.EMAIL,
                    occurrence="2026-11-23",
                    scheduled_for=due,
                    next_attempt_at=due,
                    status=Status.PENDING,
                )
            )
            db.session.add(OutboxJob(task_name="accounts.send_invitation", args=["x"]))
            db.session.commit()
            after = scrape(port)
    finally:
        server.shutdown()

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("telehealth_reminder_delivery_attempts_total", channel="email", outcome="sent") == 1
    assert grew("telehealth_tasks_total", task="reminders.send", outcome="succeeded") >= 1
    assert grew("telehealth_task_duration_seconds_count", task="reminders.send") >= 1
    assert value(after, "telehealth_reminder_outbox_rows", status="sent") == 1
    assert value(after, "telehealth_reminder_outbox_rows", status="pending") == 1
    assert value(after, "telehealth_reminder_outbox_rows", status="failed") == 0
    assert 590 <= value(after, "telehealth_reminder_oldest_due_age_seconds") <= 700
    assert value(after, "telehealth_job_outbox_backlog") == 1
    assert value(after, "telehealth_metrics_database_up") == 1
    assert str(patient.id) not in after[("__text__", ())]


# Logs: the request that queued a task, and the task, under one request id.

PATIENT = {
    "email": "ulla.vantongeren@patients-test.org",
    "first_name": "Ulla",
    "last_name": "Vantongeren",
    "date_of_birth": "1958-02-11",
    "timezone": "Europe/Amsterdam",
    "phone": "+1 555 014 9911",
    "conditions": ["low_back_pain"],
}


@pytest.fixture
def server(pg_app) -> Iterator[str]:
    port = free_port()
    httpd = make_server("127.0.0.1", port, pg_app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    httpd.shutdown()
    thread.join(timeout=10)


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.setFormatter(json_formatter())
        self.addFilter(RequestIdFilter())

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def json_lines() -> Iterator[_Lines]:
    handler = _Lines()
    logger = logging.getLogger("telehealth")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def test_a_request_and_the_task_it_queued_log_one_request_id_and_no_patient_data(
    pg_app, worker, smtp, server, json_lines
):
    inbox, _ = smtp
    clinic = build_clinic()
    api = f"{server}/api/v1"
    login = requests.post(
        f"{api}/auth/tokens", json={"email": clinic.therapist.user.email, "password": PASSWORD}, timeout=30
    )
    token = login.json()["token"]
    created = requests.post(
        f"{api}/patients",
        json=PATIENT,
        headers={"Authorization": f"Bearer {token}", "X-Request-ID": "onboarding-7f3a9c"},
        timeout=30,
    )
    assert created.status_code == 201
    assert inbox.to(PATIENT["email"])  # the worker ran the invitation task
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not any(
        "onboarding-7f3a9c" in line and "send_invitation" in line for line in json_lines.lines
    ):
        time.sleep(0.1)  # the task's line follows the email by a moment

    lines = [json.loads(line) for line in json_lines.lines]
    [request_line] = [
        line
        for line in lines
        if line["logger"] == "telehealth.requests"
        and (line["method"], line["route"]) == ("POST", "/api/v1/patients")
    ]
    invitations = [
        line
        for line in lines
        if line["logger"] == "telehealth.tasks" and line["task"] == "accounts.send_invitation"
    ]
    # build_clinic's patients were invited outside any request: their tasks carry no request id.
    [task_line] = [line for line in invitations if line["request_id"] is not None]
    assert len(invitations) == 3
    assert request_line["request_id"] == task_line["request_id"] == "onboarding-7f3a9c"
    assert request_line["status"] == 201 and request_line["user_id"] == str(clinic.therapist.user.id)
    assert task_line["outcome"] == "succeeded" and task_line["duration_ms"] > 0
    assert task_line["level"] == request_line["level"] == "INFO"
    text = "\n".join(json_lines.lines)
    private = [*(str(v) for k, v in PATIENT.items() if k != "timezone"), created.json()["id"], token]
    private += [c for c in PATIENT["conditions"]]
    assert [p for p in private if p in text] == []
