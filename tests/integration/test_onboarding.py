"""The foundation end to end on real services: PostgreSQL, Redis, a Celery worker, SMTP."""

from __future__ import annotations

import re

from sqlalchemy import inspect, text

from telehealth.extensions import db
from tests.factories import PASSWORD, make_admin


def _link_token(message) -> str:
    body = message.get_payload(decode=True).decode()
    match = re.search(r"https://app\.test/app/invitation\?token=([A-Za-z0-9_\-]+)", body)
    assert match, body
    return match.group(1)


def test_migrations_build_every_table_on_an_empty_postgresql(pg_app):
    tables = set(inspect(db.engine).get_table_names())
    assert {"users", "patients", "care_team_members", "audit_events", "api_tokens"} <= tables
    version = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    assert version


def test_admin_invites_therapist_who_invites_a_patient_who_signs_in(pg_app, worker, smtp):
    inbox, _ = smtp
    admin = make_admin()
    client = pg_app.test_client()
    token = client.post("/api/v1/auth/tokens", json={"email": admin.email, "password": PASSWORD}).json[
        "token"
    ]
    created = client.post(
        "/api/v1/therapists",
        headers={"Authorization": f"Bearer {token}"},
        json={"email": "tina.therapist@clinic-test.org", "first_name": "Tina", "last_name": "Therapist"},
    )
    assert created.status_code == 201

    [invitation] = inbox.to("tina.therapist@clinic-test.org")
    assert "Tina" in invitation.get_payload(decode=True).decode()
    accepted = client.post(
        "/api/v1/auth/invitations/accept",
        json={"token": _link_token(invitation), "password": "tinas-own-password"},
    )
    assert accepted.status_code == 200

    browser = pg_app.test_client()
    login = browser.post(
        "/api/v1/auth/login",
        json={"email": "tina.therapist@clinic-test.org", "password": "tinas-own-password"},
    )
    assert login.status_code == 200
    patient = browser.post(
        "/api/v1/patients",
        headers={"X-CSRF-Token": login.json["csrf_token"]},
        json={
            "email": "paula.patient@patients-test.org",
            "first_name": "Paula",
            "last_name": "Patient",
            "date_of_birth": "1975-03-03",
            "timezone": "America/New_York",
        },
    )
    assert patient.status_code == 201

    [patient_invite] = inbox.to("paula.patient@patients-test.org")
    body = patient_invite.get_payload(decode=True).decode()
    assert "Paula" in body and "low_back" not in body
    client.post(
        "/api/v1/auth/invitations/accept",
        json={"token": _link_token(patient_invite), "password": "paulas-password"},
    )
    phone = client.post(
        "/api/v1/auth/tokens",
        json={
            "email": "paula.patient@patients-test.org",
            "password": "paulas-password",
            "device_name": "Pixel",
        },
    )
    assert phone.status_code == 201
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {phone.json['token']}"})
    assert me.json["patient_id"] == patient.json["id"]


def test_audit_trail_rejects_updates_in_the_database_itself(pg_app):
    import pytest
    from sqlalchemy.exc import DBAPIError

    admin = make_admin()
    pg_app.test_client().post("/api/v1/auth/tokens", json={"email": admin.email, "password": PASSWORD})
    assert db.session.scalar(text("SELECT count(*) FROM audit_events")) >= 1
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("UPDATE audit_events SET action = 'tampered'"))
    db.session.rollback()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("DELETE FROM audit_events"))
    db.session.rollback()


def test_login_throttling_is_shared_through_redis(pg_app):
    make_admin()
    body = {"email": "someone@clinic-test.org", "password": "wrong-password-1"}
    first, second = pg_app.test_client(), pg_app.test_client()
    statuses = [c.post("/api/v1/auth/login", json=body).status_code for c in (first, second) * 3]
    assert statuses.count(401) == 5 and statuses[-1] == 429


def test_readiness_reports_real_database_and_broker(pg_app):
    response = pg_app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"] == {"database": "ok", "broker": "ok"}
