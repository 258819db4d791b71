"""What the clinic console's browser tests share: the demo clinic on the live server, a laptop-size
(or tablet-size) watched browser context, and signing in as demo staff."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from telehealth.demo import ADMIN, DEMO_PASSWORD, THERAPISTS, seed_demo
from telehealth.extensions import db
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
