"""Builders for test data, through the same services the API uses."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from apiflask import APIFlask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from telehealth.accounts import service as accounts
from telehealth.accounts.models import Role, Therapist, User
from telehealth.extensions import db
from telehealth.patients import service as patients
from telehealth.patients.models import Patient
from telehealth.visits.models import Visit, VisitKind, VisitStatus

PASSWORD = "correct-horse-battery"
# An id no row has; fixed, so parametrized test ids are the same in every pytest-xdist worker.
UNKNOWN_ID = "5c0ffee0-0000-4000-8000-000000000000"
_seq = itertools.count(1)


def make_user(role: Role, *, email: str | None = None, first_name: str = "Test") -> User:
    n = next(_seq)
    email = email or f"{role}{n}@clinic-test.org"
    return accounts.create_user(email, first_name, f"{role.title()}{n}", role, password=PASSWORD)


def make_admin() -> User:
    user = make_user(Role.ADMIN)
    db.session.commit()
    return user


def make_therapist() -> Therapist:
    user = make_user(Role.THERAPIST)
    therapist = Therapist(user=user)
    db.session.add(therapist)
    db.session.commit()
    return therapist


def make_patient(therapist: Therapist, *, timezone: str = "America/New_York", **fields: Any) -> Patient:
    n = next(_seq)
    patient = patients.create_patient(
        therapist.user,
        email=fields.pop("email", f"patient{n}@patients-test.org"),
        first_name=fields.pop("first_name", "Pat"),
        last_name=fields.pop("last_name", f"Patient{n}"),
        date_of_birth=fields.pop("date_of_birth", date(1980, 5, 17)),
        timezone=timezone,
        **fields,
    )
    accounts._set_password(patient.user, PASSWORD)
    db.session.commit()
    return patient


def make_completed_visit(
    patient: Patient, therapist: Therapist, starts_at: datetime, *, lasted_minutes: int = 30
) -> Visit:
    """A 30-minute follow-up that took place: started on time, completed `lasted_minutes` later."""
    visit = Visit(
        patient_id=patient.id,
        therapist_id=therapist.id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=30),
        duration_minutes=30,
        kind=VisitKind.FOLLOW_UP,
        status=VisitStatus.COMPLETED,
        started_at=starts_at,
        completed_at=starts_at + timedelta(minutes=lasted_minutes),
    )
    db.session.add(visit)
    db.session.commit()
    return visit


@dataclass
class Clinic:
    admin: User
    therapist: Therapist
    other_therapist: Therapist
    patient: Patient
    other_patient: Patient


def build_clinic() -> Clinic:
    admin = make_admin()
    therapist = make_therapist()
    other_therapist = make_therapist()
    return Clinic(
        admin=admin,
        therapist=therapist,
        other_therapist=other_therapist,
        patient=make_patient(therapist),
        other_patient=make_patient(other_therapist),
    )


class Api:
    """Calls the API as a given user with a bearer token (cookie flows are tested on their own)."""

    def __init__(self, app: APIFlask) -> None:
        self.app = app
        self._tokens: dict[uuid.UUID, str] = {}

    def client(self) -> FlaskClient:
        return self.app.test_client()

    def token_for(self, user: User) -> str:
        if user.id not in self._tokens:
            response = self.client().post(
                "/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD}
            )
            assert response.status_code == 201, response.json
            self._tokens[user.id] = response.json["token"]
        return self._tokens[user.id]

    def call(self, method: str, path: str, user: User | None = None, **kwargs: Any) -> TestResponse:
        headers = dict(kwargs.pop("headers", {}) or {})
        if user is not None:
            headers["Authorization"] = f"Bearer {self.token_for(user)}"
        return self.client().open(path, method=method, headers=headers, **kwargs)

    def get(self, path: str, user: User | None = None, **kw: Any) -> TestResponse:
        return self.call("GET", path, user, **kw)

    def post(self, path: str, user: User | None = None, **kw: Any) -> TestResponse:
        return self.call("POST", path, user, **kw)

    def patch(self, path: str, user: User | None = None, **kw: Any) -> TestResponse:
        return self.call("PATCH", path, user, **kw)

    def put(self, path: str, user: User | None = None, **kw: Any) -> TestResponse:
        return self.call("PUT", path, user, **kw)

    def delete(self, path: str, user: User | None = None, **kw: Any) -> TestResponse:
        return self.call("DELETE", path, user, **kw)


def book_follow_up(api: Api, therapist: Therapist, patient: Patient, starts_at: datetime) -> str:
    """A 30-minute follow-up video visit booked by the therapist through the API; returns its id."""
    response = api.post(
        "/api/v1/sessions",
        therapist.user,
        json={
            "patient_id": str(patient.id),
            "starts_at": starts_at.isoformat(),
            "duration_minutes": 30,
            "kind": "follow_up",
        },
    )
    assert response.status_code == 201, response.json
    return response.json["id"]


def login_cookie(client: FlaskClient, user: User, *, remember: bool = False) -> str:
    """Sign in with the session cookie; returns the CSRF token."""
    response = client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": PASSWORD, "remember": remember}
    )
    assert response.status_code == 200, response.json
    return response.json["csrf_token"]
