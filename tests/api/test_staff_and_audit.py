"""Therapists, the audit trail, health checks and the OpenAPI document."""

from __future__ import annotations

from telehealth.accounts.models import User
from telehealth.extensions import db


def test_admin_creates_therapist_who_is_invited(api, clinic):
    response = api.post(
        "/api/v1/therapists",
        clinic.admin,
        json={"email": "Dana.Doe@Clinic-Test.org", "first_name": "Dana", "last_name": "Doe"},
    )
    assert response.status_code == 201
    assert response.json["email"] == "dana.doe@clinic-test.org"
    user = db.session.scalar(db.select(User).where(User.email == "dana.doe@clinic-test.org"))
    assert user.role == "therapist" and user.password_hash is None
    again = api.post(
        "/api/v1/therapists",
        clinic.admin,
        json={"email": "dana.doe@clinic-test.org", "first_name": "D", "last_name": "D"},
    )
    assert again.status_code == 409


def test_only_admins_manage_therapists(api, clinic):
    body = {"email": "x@clinic-test.org", "first_name": "X", "last_name": "Y"}
    assert api.post("/api/v1/therapists", clinic.therapist.user, json=body).status_code == 403
    assert api.post("/api/v1/therapists", clinic.patient.user, json=body).status_code == 403
    assert api.post("/api/v1/therapists", json=body).status_code == 401
    assert api.get("/api/v1/therapists", clinic.therapist.user).status_code == 403
    listed = api.get("/api/v1/therapists", clinic.admin).json
    assert listed["total"] == 2
    assert "password_hash" not in listed["items"][0]


def test_audit_events_are_admin_only_and_filterable(api, clinic):
    api.get(f"/api/v1/patients/{clinic.patient.id}", clinic.therapist.user)
    api.get(f"/api/v1/patients/{clinic.other_patient.id}", clinic.other_therapist.user)
    assert api.get("/api/v1/audit-events", clinic.therapist.user).status_code == 403
    page = api.get(f"/api/v1/audit-events?patient_id={clinic.patient.id}", clinic.admin).json
    assert page["total"] >= 1
    event = page["items"][0]
    assert set(event) >= {
        "at",
        "actor_id",
        "action",
        "resource_type",
        "resource_id",
        "patient_id",
        "ip",
        "request_id",
    }
    assert all(item["patient_id"] == str(clinic.patient.id) for item in page["items"])
    by_actor = api.get(f"/api/v1/audit-events?actor_id={clinic.other_therapist.user.id}", clinic.admin).json
    assert by_actor["total"] >= 1
    assert all(item["actor_id"] == str(clinic.other_therapist.user.id) for item in by_actor["items"])
    naive = api.get("/api/v1/audit-events?from=2026-01-01T00:00:00", clinic.admin)
    assert naive.status_code == 422 and "from" in naive.json["errors"]
    future = api.get("/api/v1/audit-events?from=2100-01-01T00:00:00Z", clinic.admin).json
    assert future["total"] == 0


def test_audit_events_cannot_be_changed(app, api, clinic):
    import pytest

    from telehealth.audit.models import AuditEvent

    api.get(f"/api/v1/patients/{clinic.patient.id}", clinic.therapist.user)
    event = db.session.scalars(db.select(AuditEvent)).first()
    event.action = "tampered"
    with pytest.raises(RuntimeError):
        db.session.flush()
    db.session.rollback()


def test_health_and_readiness(client):
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json["checks"] == {"database": "ok", "broker": "ok"}


def test_readiness_names_the_failing_dependency():
    from telehealth import create_app

    app = create_app("test", {"CELERY_BROKER_URL": "redis://127.0.0.1:1/0"})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["broker"] == "failing"
    assert "broker" in response.json["detail"]


def test_openapi_and_docs_are_served(client):
    spec = client.get("/openapi.json").json
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/auth/login", "/api/v1/patients/{patient_id}", "/api/v1/audit-events", "/readyz"):
        assert path in spec["paths"], path
    docs = client.get("/docs")
    assert docs.status_code == 200 and b"swagger" in docs.data.lower()
    assert "default-src 'none'" in docs.headers["Content-Security-Policy"]


def test_unknown_route_and_method_are_problem_json(client):
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.content_type == "application/problem+json"
    wrong = client.delete("/api/v1/me")
    assert wrong.status_code == 405 and wrong.content_type == "application/problem+json"


def test_oversized_body_is_413(api, clinic):
    response = api.post(
        "/api/v1/patients",
        clinic.therapist.user,
        data="{" + " " * (3 * 1024 * 1024) + "}",
        content_type="application/json",
    )
    assert response.status_code == 413
