"""Promise 9: no secret and no PHI in the logs of a full scenario on real services.

The API runs behind a real HTTP server (werkzeug, as `flask run` serves it), the worker sends the
invitation and reset emails through SMTP, and every log record of the app, the HTTP server,
Celery and Flask-Limiter is captured at DEBUG, as production's JSON lines (every field: the
request and task lines' route, user id and task name too). Then the text is searched for what must never be
in it. The refusal of a default SECRET_KEY in production is in tests/unit/test_config.py.
"""

from __future__ import annotations

import io
import json
import logging
import re
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
import requests
from werkzeug.serving import make_server

from telehealth.common.time import utcnow
from telehealth.ops.logs import RequestIdFilter, json_formatter
from telehealth.reminders.messages import unsubscribe_token
from tests.factories import PASSWORD, build_clinic
from tests.security.services import free_port

LOGGERS = ("telehealth", "werkzeug", "celery", "kombu", "flask", "flask-limiter", "worker", "amqp")
PATIENT = {
    "email": "zelda.quixote@patients-test.org",
    "first_name": "Zelda",
    "last_name": "Quixote",
    "date_of_birth": "1961-07-19",
    "timezone": "America/Denver",
    "phone": "+1 555 014 2323",
    "conditions": ["hip_osteoarthritis"],
}
FIRST_PASSWORD = "zelda-first-passphrase"
NEW_PASSWORD = "zelda-second-passphrase"
WRONG_PASSWORD = "zelda-mistyped-passphrase"
NOTES = "left hip aches after the stairs to the bathroom"


@pytest.fixture
def server(pg_app) -> Iterator[str]:
    pg_app.config["SESSION_COOKIE_SECURE"] = False  # plain HTTP on loopback
    port = free_port()
    httpd = make_server("127.0.0.1", port, pg_app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    httpd.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Every record of these loggers at DEBUG, formatted with tracebacks, whatever else handles them."""
    text = io.StringIO()
    handler = logging.StreamHandler(text)
    # Production's JSON lines, every field of them (route, user id, task...), not the message alone.
    handler.setFormatter(json_formatter())
    handler.addFilter(RequestIdFilter())
    loggers = [logging.getLogger(name) for name in LOGGERS]
    saved = [(logger.level, logger.disabled) for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        logger.disabled = False  # Alembic's fileConfig in the migration fixture turns existing loggers off
    yield text
    for logger, (level, disabled) in zip(loggers, saved, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.disabled = disabled


class Client(requests.Session):
    """A requests session that never waits forever on the server under test."""

    def request(self, *args, **kwargs):  # type: ignore[override]
        kwargs.setdefault("timeout", 30)
        return super().request(*args, **kwargs)


def _link_token(inbox, address: str, kind: str) -> str:
    def wanted(message) -> bool:
        return address in (message["To"] or "") and kind in message.get_payload(decode=True).decode()

    [message] = inbox.wait_for(wanted)
    return re.search(r"token=([A-Za-z0-9_\-.]+)", message.get_payload(decode=True).decode())[1]


def test_a_full_scenario_logs_no_secret_and_no_patient_data(pg_app, worker, smtp, server, captured):
    inbox, _ = smtp
    clinic = build_clinic()
    http, anon = Client(), Client()
    api = f"{server}/api/v1"

    login = http.post(f"{api}/auth/login", json={"email": clinic.therapist.user.email, "password": PASSWORD})
    csrf = login.json()["csrf_token"]
    created = http.post(f"{api}/patients", json=PATIENT, headers={"X-CSRF-Token": csrf})
    assert created.status_code == 201
    patient_id = created.json()["id"]
    assert http.get(f"{api}/patients", params={"q": "Quixote"}).json()["total"] == 1

    invitation = _link_token(inbox, PATIENT["email"], "app/invitation")
    accepted = anon.post(
        f"{api}/auth/invitations/accept", json={"token": invitation, "password": FIRST_PASSWORD}
    )
    assert accepted.status_code == 200
    wrong = anon.post(f"{api}/auth/tokens", json={"email": PATIENT["email"], "password": WRONG_PASSWORD})
    assert wrong.status_code == 401
    token = anon.post(
        f"{api}/auth/tokens", json={"email": PATIENT["email"], "password": FIRST_PASSWORD}
    ).json()["token"]
    phone = {"Authorization": f"Bearer {token}"}

    exercise = http.post(
        f"{api}/exercises",
        json={
            "name": "Clamshell",
            "instructions": "Knees together, open.",
            "body_region": "hip",
            "category": "strength",
        },
        headers={"X-CSRF-Token": csrf},
    ).json()
    start = (utcnow() - timedelta(days=2)).date().isoformat()
    assignment = http.post(
        f"{api}/patients/{patient_id}/assignments",
        json={"exercise_id": exercise["id"], "sets": 2, "side": "left", "start_date": start},
        headers={"X-CSRF-Token": csrf},
    ).json()
    log = {
        "id": "7f1c2a64-5d0e-4b8e-9a55-0c1f4e9d2b31",
        "assignment_id": assignment["id"],
        "performed_at": (utcnow() - timedelta(hours=1)).isoformat(),
        "sets_completed": 2,
        "pain_score": 6,
        "notes": NOTES,
    }
    assert anon.post(f"{api}/patients/{patient_id}/progress-logs", json=log, headers=phone).status_code == 201
    assert anon.get(f"{api}/patients/{patient_id}/today", headers=phone).status_code == 200
    unsubscribe = unsubscribe_token(patient_id, "email")
    assert anon.get(f"{api}/notifications/unsubscribe", params={"token": unsubscribe}).status_code == 200

    assert anon.post(f"{api}/auth/password-reset", json={"email": PATIENT["email"]}).status_code == 202
    reset = _link_token(inbox, PATIENT["email"], "app/reset-password")
    confirmed = anon.post(
        f"{api}/auth/password-reset/confirm", json={"token": reset, "password": NEW_PASSWORD}
    )
    assert confirmed.status_code == 204
    assert anon.get(f"{api}/me", headers=phone).status_code == 401
    discharged = http.post(f"{api}/patients/{patient_id}/discharge", json={}, headers={"X-CSRF-Token": csrf})
    assert discharged.status_code == 200

    text = captured.getvalue()
    assert "POST /api/v1/patients" in text  # the access log was captured...
    assert "progress-logs" in text
    lines = [json.loads(line) for line in text.splitlines()]
    routes = {line.get("route") for line in lines if line["logger"] == "telehealth.requests"}
    assert {
        "/api/v1/patients",
        "/api/v1/patients/<uuid:patient_id>/progress-logs",
    } <= routes  # one per request
    assert any(line.get("task") == "accounts.send_invitation" for line in lines)  # ...and one per task
    secrets = {
        "first name": PATIENT["first_name"],
        "last name": PATIENT["last_name"],
        "email": PATIENT["email"],
        "phone": PATIENT["phone"],
        "date of birth": PATIENT["date_of_birth"],
        "condition": PATIENT["conditions"][0],
        "notes": NOTES,
        "first password": FIRST_PASSWORD,
        "new password": NEW_PASSWORD,
        "mistyped password": WRONG_PASSWORD,
        "therapist password": PASSWORD,
        "bearer token": token,
        "invitation token": invitation,
        "reset token": reset,
        "unsubscribe token": unsubscribe,
        "csrf token": csrf,
        "session cookie": http.cookies.get("telehealth_session") or login.cookies["telehealth_session"],
    }
    leaked = sorted(name for name, value in secrets.items() if value in text)
    assert leaked == [], f"found in the logs: {leaked}"
