"""Promise 4 on Redis: the sign-in and reset budgets are shared by every server process.

Two Python processes stand in for two gunicorn workers: failures in one count against the same
account in the other through Redis, so moving between workers (or between /auth/login and
/auth/tokens) buys an attacker no extra guesses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.factories import make_patient, make_therapist

ROOT = Path(__file__).resolve().parents[2]
WORKER = """
import json, sys
from telehealth import create_app
config, path, body, times = json.loads(sys.argv[1])
app = create_app("test", config)
client = app.test_client()
answers = [client.post(path, json=body) for _ in range(times)]
print(json.dumps([[a.status_code, a.headers.get("Retry-After")] for a in answers]))
"""


def _worker(app, path: str, body: dict, times: int) -> list[list]:
    """(status, Retry-After) of each request a separate server process answered."""
    keys = ("SQLALCHEMY_DATABASE_URI", "RATELIMIT_STORAGE_URI", "RATELIMIT_KEY_PREFIX", "CELERY_BROKER_URL")
    config = {key: app.config[key] for key in keys}
    done = subprocess.run(
        [sys.executable, "-c", WORKER, json.dumps([config, path, body, times])],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _statuses(answers: list[list]) -> list[int]:
    return [status for status, _ in answers]


def test_failed_sign_ins_in_one_worker_count_against_the_same_account_in_another(pg_app):
    patient = make_patient(make_therapist())
    wrong = {"email": patient.user.email, "password": "not-the-password"}
    assert _statuses(_worker(pg_app, "/api/v1/auth/tokens", wrong, 3)) == [401] * 3
    answers = _worker(pg_app, "/api/v1/auth/login", wrong, 3)
    assert _statuses(answers) == [401, 401, 429]
    assert int(answers[-1][1]) > 0


def test_reset_requests_in_one_worker_count_against_the_same_account_in_another(pg_app):
    body = {"email": make_patient(make_therapist()).user.email}
    assert _statuses(_worker(pg_app, "/api/v1/auth/password-reset", body, 4)) == [202] * 4
    answers = _worker(pg_app, "/api/v1/auth/password-reset", body, 2)
    assert _statuses(answers) == [202, 429]
    assert int(answers[-1][1]) > 0
