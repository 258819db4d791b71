"""`flask seed-demo` builds a clinic a new user can explore at once, and running it again adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from telehealth.demo import DEMO_PASSWORD
from telehealth.extensions import db
from telehealth.measures.models import Measurement
from telehealth.progress.models import ProgressLog
from telehealth.visits.models import Visit


def _counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (ProgressLog, Measurement, Visit)
    )


def test_seed_demo_prints_working_logins_and_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "tess.thompson@demo-clinic.org" in first.output and DEMO_PASSWORD in first.output
    logs, readings, visits = _counts()
    assert logs > 100 and readings == 5 * 12 and visits == 5
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0
    assert _counts() == (logs, readings, visits)
    login = app.test_client().post(
        "/api/v1/auth/login", json={"email": "pat.rivera@demo-patients.org", "password": DEMO_PASSWORD}
    )
    assert login.status_code == 200


def test_seed_demo_is_refused_in_production():
    from telehealth import create_app

    app = create_app("production", {"SECRET_KEY": "x" * 48, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "development" in result.output


def test_the_demo_clinic_offers_open_slots_at_once(app):
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    client = app.test_client()
    screenings = client.get("/api/v1/slots").json["items"]
    assert {s["therapist_name"] for s in screenings} == {"Tess Thompson", "Omar Okafor"}
    token = client.post(
        "/api/v1/auth/tokens", json={"email": "pat.rivera@demo-patients.org", "password": DEMO_PASSWORD}
    ).json["token"]
    follow_ups = client.get("/api/v1/slots?kind=follow_up", headers={"Authorization": f"Bearer {token}"})
    assert follow_ups.status_code == 200 and follow_ups.json["items"]
