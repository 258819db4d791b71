"""Fixtures: every test builds its own app and database (SQLite in memory).

A test runs in one app context of its own (the database, the factories); every request it makes
runs in another, fresh one, as under a real server (tests/support/contexts.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from apiflask import APIFlask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from telehealth import create_app
from telehealth.extensions import db
from tests.factories import Api, Clinic, build_clinic
from tests.support.contexts import as_own_request


class OwnContextClient(FlaskClient):
    """A test client whose every request gets an app context of its own, never the test's."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        return as_own_request(super().open, *args, **kwargs)


def pytest_configure(config: pytest.Config) -> None:
    APIFlask.test_client_class = OwnContextClient


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
