"""Fixtures: every test builds its own app and database (SQLite in memory)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from apiflask import APIFlask
from flask.testing import FlaskClient

from telehealth import create_app
from telehealth.extensions import db
from tests.factories import Api, Clinic, build_clinic


@pytest.fixture
def app() -> Iterator[APIFlask]:
    app = create_app("test")
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.drop_all()


@pytest.fixture
def client(app: APIFlask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def clinic(app: APIFlask) -> Clinic:
    """An admin, two therapists, and a patient in each therapist's caseload."""
    return build_clinic()


@pytest.fixture
def api(app: APIFlask) -> Api:
    return Api(app)
