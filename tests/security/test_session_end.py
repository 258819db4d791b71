"""Promise 5: sessions end when they should, for the copies a thief would keep too.

Logout, password change and the plain idle and absolute timeouts are in tests/api/test_auth.py;
here: password reset, the remember-me cookie, discharge and deactivation, each for a copied
cookie and a copied bearer token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from flask_login.utils import encode_cookie

from telehealth.accounts import service as accounts
from telehealth.accounts.models import User
from telehealth.extensions import db
from tests.factories import PASSWORD, login_cookie
from worker import tasks

COOKIE = "telehealth_session"
ME = "/api/v1/me"


@dataclass
class Devices:
    """A user signed in on a browser (cookie) and a phone (token), and a thief holding copies of both."""

    browser: FlaskClient
    thief: FlaskClient
    token: str
    csrf: str

    def statuses(self) -> dict[str, int]:
        bearer = {"Authorization": f"Bearer {self.token}"}
        return {
            "browser": self.browser.get(ME).status_code,
            "copied cookie": self.thief.get(ME).status_code,
            "copied token": self.thief.get(ME, headers=bearer).status_code,
        }


def _sign_in(app, user: User, *, remember: bool = False) -> Devices:
    browser = app.test_client()
    csrf = login_cookie(browser, user, remember=remember)
    thief = app.test_client()
    thief.set_cookie(COOKIE, browser.get_cookie(COOKIE).value)
    token = app.test_client().post("/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD})
    devices = Devices(browser, thief, token.json["token"], csrf)
    assert devices.statuses() == {"browser": 200, "copied cookie": 200, "copied token": 200}
    return devices


ENDED = {"browser": 401, "copied cookie": 401, "copied token": 401}


def test_password_reset_ends_every_cookie_and_token_of_the_account(app, clinic):
    user = clinic.patient.user
    devices = _sign_in(app, user, remember=True)
    assert (
        app.test_client().post("/api/v1/auth/password-reset", json={"email": user.email}).status_code == 202
    )
    tasks.send_password_reset.run(user.email)  # the worker's task body for the queued request
    link = app.extensions["mailman"].outbox[-1].body
    token = re.search(r"token=([A-Za-z0-9_\-]+)", link)[1]
    confirm = app.test_client().post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "password": "a-fresh-long-secret"}
    )
    assert confirm.status_code == 204
    assert devices.statuses() == ENDED


def test_the_remember_me_cookie_is_a_server_side_session_that_logout_ends(app, clinic):
    devices = _sign_in(app, clinic.therapist.user, remember=True)
    cookie = devices.browser.get_cookie(COOKIE)
    assert cookie.expires is not None  # it outlives the browser...
    assert devices.browser.get_cookie("remember_token") is None  # ...without a second, unrevocable cookie
    logout = devices.browser.post("/api/v1/auth/logout", headers={"X-CSRF-Token": devices.csrf})
    assert logout.status_code == 204
    assert devices.thief.get(ME).status_code == 401


def test_a_forged_flask_login_remember_cookie_does_not_sign_anyone_in(app, clinic):
    client = app.test_client()
    with app.test_request_context():
        forged = encode_cookie(str(clinic.admin.id))  # signed with the real secret key, even
    client.set_cookie("remember_token", forged)
    assert client.get(ME).status_code == 401


@pytest.mark.parametrize(("idle", "expected"), [(timedelta(minutes=29), 200), (timedelta(minutes=31), 401)])
def test_the_remember_me_cookie_still_ends_after_30_idle_minutes(app, clinic, clock, idle, expected):
    devices = _sign_in(app, clinic.therapist.user, remember=True)
    clock.shift(idle)
    assert devices.thief.get(ME).status_code == expected


def test_the_remember_me_cookie_ends_12_hours_after_sign_in_however_active(app, clinic, clock):
    devices = _sign_in(app, clinic.therapist.user, remember=True)
    statuses = []
    for _ in range(25):  # a request every 29 minutes: never idle, but 12 h 5 min in all
        clock.shift(timedelta(minutes=29))
        statuses.append(devices.browser.get(ME).status_code)
    assert statuses[:24] == [200] * 24
    assert statuses[24] == 401


def test_discharge_ends_the_patients_cookie_sessions_and_tokens(app, api, clinic):
    devices = _sign_in(app, clinic.patient.user, remember=True)
    response = api.post(f"/api/v1/patients/{clinic.patient.id}/discharge", clinic.therapist.user, json={})
    assert response.status_code == 200
    assert devices.statuses() == ENDED


def test_deactivation_ends_every_cookie_and_token_and_sign_in(app, clinic):
    user = clinic.other_therapist.user
    devices = _sign_in(app, user)
    accounts.deactivate_user(user)
    db.session.commit()
    assert devices.statuses() == ENDED
    again = app.test_client().post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert again.status_code == 401
