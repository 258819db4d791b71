"""A patient of the live server, built through the API as a clinic would, and what the app tests
share: a phone-size watched browser context, sign-in, axe, and counting rows in the database."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from playwright.sync_api import expect
from sqlalchemy import func, select

from telehealth.extensions import db
from telehealth.progress.models import ProgressLog
from telehealth.vendored import asset
from tests.browser.conftest import LiveServer, Watched, watched_context
from tests.factories import PASSWORD, Api, make_patient, make_therapist
from tests.support.jobs import run_queued_jobs

# As patient as every other wait here: on a busy two-core machine a redraw can take seconds.
expect.set_options(timeout=15_000)

ZONE = "America/New_York"
PHONE = {"viewport": {"width": 360, "height": 740}, "timezone_id": ZONE, "locale": "en-US"}
AXE = "/static/" + asset("axe-core", "axe.min.js")
OFFLINE = "net::ERR_INTERNET_DISCONNECTED"
ABORTED = "net::ERR_ABORTED"  # a request still loading when the test moved to the next page
IMAGE = "/static/app/icons/icon-192.png"  # an exercise picture the live server itself serves


@dataclass
class AppPatient:
    id: str
    user_id: str
    email: str
    first_name: str
    therapist_email: str
    assignments: dict[str, str] = field(default_factory=dict)  # exercise name -> assignment id
    invitation: str | None = None  # the link in the invitation email, when still invited


def local_today() -> str:
    return datetime.now(ZoneInfo(ZONE)).date().isoformat()


def make_app_patient(live: LiveServer, *, invited: bool = False, first_name: str = "Pat") -> AppPatient:
    """A patient with two exercises from a week ago, a hold and a side to choose on the second."""
    app = live.app
    api = Api(app)
    with app.app_context():
        therapist = make_therapist()
        patient = make_patient(therapist, timezone=ZONE, first_name=first_name)
        found = AppPatient(
            str(patient.id), str(patient.user_id), patient.user.email, first_name, therapist.user.email
        )
        if invited:
            patient.user.password_hash = None
            db.session.commit()
            run_queued_jobs("accounts.send_invitation")
            [body] = [m.body for m in app.extensions["mailman"].outbox if m.to == [found.email]]
            found.invitation = re.search(r"(http://\S+/app/invitation\?token=\S+)", body)[1]
        week_ago = (datetime.now(ZoneInfo(ZONE)).date() - timedelta(days=7)).isoformat()
        for name, dose in (
            ("Pelvic tilt", {"sets": 2, "reps": 10, "side": "none"}),
            ("Clamshell", {"sets": 3, "reps": 12, "hold_seconds": 2, "side": "both"}),
        ):
            exercise = api.post(
                "/api/v1/exercises",
                therapist.user,
                json={
                    "name": f"{name} {uuid.uuid4().hex[:6]}",
                    "instructions": f"How to do the {name.lower()}: slowly, and breathe.",
                    "body_region": "hip",
                    "category": "mobility",
                    "media_url": f"{live.url}{IMAGE}" if name == "Clamshell" else None,
                },
            ).json
            assignment = api.post(
                f"/api/v1/patients/{found.id}/assignments",
                therapist.user,
                json={"exercise_id": exercise["id"], "times_per_day": 1, "start_date": week_ago, **dose},
            )
            assert assignment.status_code == 201, assignment.json
            found.assignments[name] = assignment.json["id"]
        return found


def add_history(live: LiveServer, patient: AppPatient) -> None:
    """Hip readings (left restricted), an NPRS result, a completed visit, and one to join now."""
    app = live.app
    api = Api(app)
    now = datetime.now(UTC)
    with app.app_context():
        from telehealth.accounts.models import User

        therapist = db.session.scalar(select(User).where(User.email == patient.therapist_email))
        for rom_type, side, degrees in (
            ("hip_internal_rotation", "left", 22),
            ("hip_external_rotation", "left", 42),
            ("hip_internal_rotation", "right", 40),
            ("hip_external_rotation", "right", 45),
        ):
            reading = {
                "type": rom_type,
                "side": side,
                "degrees": degrees,
                "measured_at": (now - timedelta(days=1)).isoformat(),
                "source": "clinician",
                "position": "seated",
            }
            assert (
                api.post(f"/api/v1/patients/{patient.id}/measurements", therapist, json=reading).status_code
                == 201
            )
        visit = {"patient_id": patient.id, "duration_minutes": 15, "kind": "follow_up"}
        done = api.post(
            "/api/v1/sessions",
            therapist,
            json={**visit, "starts_at": (now + timedelta(minutes=5)).isoformat()},
        )
        assert done.status_code == 201, done.json
        assert api.post(f"/api/v1/sessions/{done.json['id']}/start", therapist).status_code == 200
        notes = {"subjective": "s", "objective": "o", "assessment": "a", "plan": "Walk 20 minutes a day."}
        completed = api.post(f"/api/v1/sessions/{done.json['id']}/complete", therapist, json={"notes": notes})
        assert completed.status_code == 200, completed.json
        for starts_at, minutes in ((now + timedelta(minutes=5), 30), (now + timedelta(days=2), 30)):
            booked = api.post(
                "/api/v1/sessions",
                therapist,
                json={**visit, "duration_minutes": minutes, "starts_at": starts_at.isoformat()},
            )
            assert booked.status_code == 201, booked.json


@contextmanager
def phone(browser: Any, live: LiveServer, **options: Any) -> Iterator[Watched]:
    with watched_context(browser, live, **{**PHONE, **options}) as watch:
        yield watch


def sign_in(watch: Watched, patient: AppPatient, password: str = PASSWORD) -> None:
    page = watch.page
    page.goto(f"{watch.origin}/app/signin")
    page.get_by_label("Email").fill(patient.email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Today", level=1).wait_for()


def serious_violations(page: Any) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now."""
    if not page.evaluate("Boolean(window.axe)"):
        page.add_script_tag(url=AXE)  # from our own host: the page's CSP allows nothing else
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations
              .filter((v) => v.impact === "serious" || v.impact === "critical")
              .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
        }"""
    )
    return list(found)


def small_targets(page: Any) -> list[str]:
    """Visible controls smaller than 44 x 44 CSS pixels (a radio or checkbox counts with its label)."""
    return list(
        page.evaluate(
            """() => {
            const small = [];
            const seen = new Set();
            const labelOf = (el) => el.id && document.querySelector(`label[for="${el.id}"]`);
            const name = (el) => (el.textContent || el.name || "").trim().slice(0, 30);
            for (const el of document.querySelectorAll("a[href], button, input, select, textarea, summary")) {
              if (el.type === "hidden" || el.closest(".skip")) continue;
              let target = el;
              if (el.type === "radio" || el.type === "checkbox") {
                target = el.closest(".chip") || labelOf(el) || el;
              }
              if (seen.has(target)) continue;
              seen.add(target);
              const box = target.getBoundingClientRect();
              if (!box.width && !box.height) continue;  // not shown
              if (box.width < 44 || box.height < 44) {
                const size = `${Math.round(box.width)}x${Math.round(box.height)}`;
                small.push(`${target.tagName.toLowerCase()} "${name(target)}" ${size}`);
              }
            }
            return small;
        }"""
        )
    )


def logs_of(live: LiveServer, patient: AppPatient) -> list[ProgressLog]:
    with live.app.app_context():
        rows = db.session.scalars(select(ProgressLog).where(ProgressLog.patient_id == uuid.UUID(patient.id)))
        found = list(rows)
        db.session.expunge_all()
        return found


def count_logs(live: LiveServer, patient: AppPatient) -> int:
    with live.app.app_context():
        return db.session.scalar(
            select(func.count())
            .select_from(ProgressLog)
            .where(ProgressLog.patient_id == uuid.UUID(patient.id))
        )


def unexpected(
    watch: Watched, *, allowed: tuple[tuple[int, str], ...] = (), offline: bool = False
) -> list[str]:
    """What went wrong on the pages, less the refusals a test provoked on purpose (status, path part)
    and, for a test that went offline, the requests Chromium could not make meanwhile."""
    expected = [
        (status, url)
        for status, url in watch.refused
        if any(status == s and part in url for s, part in allowed)
    ]
    problems = []
    for problem in watch.problems():
        if (offline and OFFLINE in problem) or ABORTED in problem:
            continue
        if "Failed to load resource: the server responded with a status of" in problem and expected:
            status = int(re.search(r"status of (\d+)", problem)[1])
            if any(status == s for s, _ in expected):
                continue
        problems.append(problem)
    refused = [f"{status} {url}" for status, url in watch.refused if (status, url) not in expected]
    return problems + refused
