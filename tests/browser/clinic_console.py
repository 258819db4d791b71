"""What the clinic console's browser tests share: the demo clinic on the live server, a laptop-size
(or tablet-size) watched browser context, and signing in as demo staff."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from playwright.sync_api import expect
from sqlalchemy import select

from telehealth.accounts.models import Therapist, User
from telehealth.demo import ADMIN, DEMO_PASSWORD, THERAPISTS, seed_demo
from telehealth.extensions import db
from telehealth.scheduling import intake
from tests.browser.conftest import LiveServer, Watched, watched_context

expect.set_options(timeout=15_000)

ZONE = "America/New_York"  # the therapist's laptop
LAPTOP = {"viewport": {"width": 1280, "height": 800}, "timezone_id": ZONE, "locale": "en-US"}
TABLET = {**LAPTOP, "viewport": {"width": 768, "height": 1024}, "has_touch": True}
THERAPIST = THERAPISTS[0][0]  # Tess Thompson
ADMIN_EMAIL = ADMIN[0]
FLAGGED = "Kenji Sato"  # quiet for five days, under half his program: flagged in Tess's caseload


def seed(live: LiveServer) -> None:
    """The demo clinic, as `flask seed-demo` makes it (idempotent: a second call adds nothing)."""
    with live.app.app_context():
        seed_demo()
        db.session.commit()


@contextmanager
def laptop(browser: Any, live: LiveServer, **options: Any) -> Iterator[Watched]:
    with watched_context(browser, live, **{**LAPTOP, **options}) as watch:
        yield watch


def sign_in(watch: Watched, email: str, *, landing: str) -> None:
    page = watch.page
    page.goto(f"{watch.origin}/clinic/")
    page.get_by_role("heading", name="Clinic sign-in").wait_for()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name=landing, level=1).wait_for()


def soon_local(minutes: int = 5) -> tuple[str, str]:
    """The laptop's date and HH:MM a few minutes from now, on a five-minute mark."""
    moment = datetime.now(ZoneInfo(ZONE)) + timedelta(minutes=minutes)
    moment -= timedelta(minutes=moment.minute % 5)
    return moment.date().isoformat(), moment.strftime("%H:%M")


def therapist_id_of(live: LiveServer, email: str) -> str:
    with live.app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        return str(db.session.scalar(select(Therapist.id).where(Therapist.user_id == user.id)))


def screening_request(
    live: LiveServer,
    email: str,
    *,
    first_name: str = "Sam",
    slot_of: str | None = None,
    slot_index: int = 0,
    **fields: Any,
) -> dict[str, Any]:
    """A confirmed free-screening request, made as a visitor makes one (POST, then the emailed link).

    `slot_of`: a therapist id whose open screening slot (the `slot_index`th) the request holds.
    Returns the request's id and, with a slot, the slot.
    """
    client = live.app.test_client()
    body: dict[str, Any] = {
        "first_name": first_name,
        "last_name": "Seeker",
        "email": email,
        "timezone": "America/Chicago",
        "conditions": ["low_back_pain"],
        "consent_to_contact": True,
        **fields,
    }
    if slot_of is not None:
        slot = client.get(f"/api/v1/slots?kind=screening&therapist_id={slot_of}").json["items"][slot_index]
        body["slot"] = {"therapist_id": slot["therapist_id"], "starts_at": slot["starts_at"]}
    sent = client.post("/api/v1/screening-requests", json=body)
    assert sent.status_code == 202, sent.json
    with live.app.app_context():
        issued = intake.issue_confirmation(uuid.UUID(sent.json["id"]))
        assert issued is not None
        db.session.commit()
    confirmed = client.post("/api/v1/screening-requests/confirm", json={"token": issued[1]})
    assert confirmed.status_code == 200, confirmed.json
    return {"id": sent.json["id"], "slot": body.get("slot")}
