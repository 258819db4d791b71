"""`make run`'s last word: once web, worker and scheduler are all up, say where everything is.

Start-up output of three processes scrolls by in any order; the demo logins are printed after it,
so they are the last thing on the screen. Development only.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from telehealth.demo import ADMIN, DEMO_PASSWORD, PATIENTS, THERAPISTS


def demo_logins() -> list[tuple[str, str]]:
    """(role, email) of every demo login, in the order `seed-demo` creates them."""
    return (
        [("admin", ADMIN[0])]
        + [("therapist", email) for email, *_ in THERAPISTS]
        + [("patient", patient.email) for patient in PATIENTS]
    )


@dataclass
class Readiness:
    port: int
    beat_schedule: Path
    started: float

    def web(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/readyz", timeout=2) as answer:
                return answer.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def worker(self) -> bool:
        return bool(current_app.extensions["celery"].control.ping(timeout=1.0))

    def scheduler(self) -> bool:
        # celery beat writes its schedule file as soon as it starts ticking.
        files = self.beat_schedule.parent.glob(self.beat_schedule.name + "*")
        return any(path.stat().st_mtime >= self.started for path in files)

    def waiting_for(self) -> list[str]:
        checks: dict[str, Callable[[], bool]] = {
            "web": self.web,
            "worker": self.worker,
            "scheduler": self.scheduler,
        }
        return [name for name, ready in checks.items() if not ready()]


def wait_until_ready(readiness: Readiness, timeout: float) -> list[str]:
    """Poll until everything is up; return what is still down when time runs out (empty: all up)."""
    deadline = time.monotonic() + timeout
    missing = readiness.waiting_for()
    while missing and time.monotonic() < deadline:
        time.sleep(0.5)
        missing = readiness.waiting_for()
    return missing


def banner(port: int) -> str:
    base = f"http://localhost:{port}"
    mail = (
        f"sent through {current_app.config['MAIL_SERVER']}:{current_app.config['MAIL_PORT']}"
        if current_app.config["MAIL_BACKEND"] == "smtp"
        else "printed above by the worker (set SMTP_HOST to send them)"
    )
    lines = [
        "",
        "Ready: API, worker and scheduler are up. Ctrl-C stops all three.",
        f"  Patient app: {base}/app/ (sign in as a demo patient below)",
        f"  Clinic:      {base}/clinic/ (sign in as the demo therapist or admin below)",
        f"  API:         {base}/api/v1",
        f"  API docs:    {base}/docs",
        f"  Emails:      {mail}",
        f"  Demo logins (password for all: {DEMO_PASSWORD}):",
    ]
    lines += [f"    {role:<10} {email}" for role, email in demo_logins()]
    return "\n".join(lines) + "\n"
