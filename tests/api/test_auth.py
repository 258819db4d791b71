"""Sign-in, sessions, CSRF, bearer tokens, invitations and passwords (API.md "Authentication")."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine

from telehealth.accounts import emails
from telehealth.accounts import service as accounts
from telehealth.common.time import utcnow
from telehealth.extensions import db
from tests.factories import PASSWORD, login_cookie, make_patient

LOGIN = "/api/v1/auth/login"


def test_login_sets_httponly_samesite_cookie_and_returns_csrf(client, clinic):
    response = client.post(LOGIN, json={"email": clinic.admin.email, "password": PASSWORD})
    assert response.status_code == 200
    assert response.json["user"]["role"] == "admin"
    assert response.json["csrf_token"]
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_unknown_email_and_wrong_password_answer_identically(client, clinic):
    wrong = client.post(LOGIN, json={"email": clinic.admin.email, "password": "not-the-password"})
    unknown = client.post(LOGIN, json={"email": "nobody@clinic-test.org", "password": "whatever-pass"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json == unknown.json
    assert wrong.content_type == "application/problem+json"


def test_repeated_failed_logins_are_throttled_with_retry_after(client, clinic):
    body = {"email": clinic.therapist.user.email, "password": "wrong-password-x"}
    statuses = [client.post(LOGIN, json=body).status_code for _ in range(6)]
    assert statuses[:5] == [401] * 5
    assert statuses[5] == 429
    limited = client.post(LOGIN, json=body)
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.content_type == "application/problem+json"


def test_login_with_an_unaccepted_invitation_fails(client, clinic, app):
    patient = make_patient(clinic.therapist)
    patient.user.password_hash = None
    db.session.commit()
    response = client.post(LOGIN, json={"email": patient.user.email, "password": PASSWORD})
    assert response.status_code == 401


def test_unsafe_cookie_request_without_csrf_header_is_403(client, clinic):
    csrf = login_cookie(client, clinic.therapist.user)
    body = {
        "email": "x@patients-test.org",
        "first_name": "X",
        "last_name": "Y",
        "date_of_birth": "1990-01-01",
        "timezone": "Europe/Paris",
    }
    assert client.post("/api/v1/patients", json=body).status_code == 403
    assert client.post("/api/v1/patients", json=body, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert client.post("/api/v1/patients", json=body, headers={"X-CSRF-Token": csrf}).status_code == 201


def test_csrf_endpoint_returns_the_session_token(client, clinic):
    csrf = login_cookie(client, clinic.admin)
    assert client.get("/api/v1/auth/csrf").json == {"csrf_token": csrf}


def test_bearer_requests_need_no_csrf(api, clinic):
    response = api.post(
        "/api/v1/therapists",
        clinic.admin,
        json={"email": "new@clinic-test.org", "first_name": "N", "last_name": "T"},
    )
    assert response.status_code == 201


def test_logout_ends_the_session_server_side_even_for_a_copied_cookie(app, clinic):
    client = app.test_client()
    csrf = login_cookie(client, clinic.admin)
    stolen = app.test_client()
    for cookie in client._cookies.values():
        stolen._cookies[(cookie.domain, cookie.path, cookie.key)] = cookie
    assert stolen.get("/api/v1/me").status_code == 200
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert client.get("/api/v1/me").status_code == 401
    assert stolen.get("/api/v1/me").status_code == 401


def test_session_id_rotates_at_login(app, clinic):
    client = app.test_client()
    first = login_cookie(client, clinic.admin)
    second = login_cookie(client, clinic.admin)
    assert first != second


def test_idle_and_absolute_session_timeouts(app, clinic):
    with time_machine.travel(utcnow(), tick=False) as traveller:
        client = app.test_client()
        login_cookie(client, clinic.admin)
        traveller.shift(timedelta(minutes=29))
        assert client.get("/api/v1/me").status_code == 200
        traveller.shift(timedelta(minutes=31))
        assert client.get("/api/v1/me").status_code == 401  # idle

        client = app.test_client()
        login_cookie(client, clinic.admin)
        for _ in range(25):  # active every 29 minutes, yet past 12 hours in total
            traveller.shift(timedelta(minutes=29))
            status = client.get("/api/v1/me").status_code
        assert status == 401


def test_token_flow_and_logout_revokes_the_token(api, clinic, app):
    client = app.test_client()
    created = client.post(
        "/api/v1/auth/tokens",
        json={"email": clinic.patient.user.email, "password": PASSWORD, "device_name": "iPhone"},
    )
    assert created.status_code == 201
    assert created.json["token_type"] == "Bearer"
    assert created.json["expires_at"].endswith("Z")
    headers = {"Authorization": f"Bearer {created.json['token']}"}
    me = client.get("/api/v1/me", headers=headers)
    assert me.json["patient_id"] == str(clinic.patient.id)
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_tokens_are_stored_only_as_hashes(api, clinic):
    from telehealth.accounts.models import ApiToken

    raw = api.token_for(clinic.admin)
    stored = db.session.scalars(db.select(ApiToken.token_hash)).all()
    assert raw not in stored
    assert accounts.token_digest(raw) in stored


def test_expired_token_is_401(api, clinic):
    token = api.token_for(clinic.admin)
    headers = {"Authorization": f"Bearer {token}"}
    with time_machine.travel(utcnow() + timedelta(days=31)):
        assert api.client().get("/api/v1/me", headers=headers).status_code == 401


def test_me_for_each_role(api, clinic):
    assert api.get("/api/v1/me", clinic.admin).json["role"] == "admin"
    therapist = api.get("/api/v1/me", clinic.therapist.user).json
    assert therapist["therapist_id"] == str(clinic.therapist.id) and therapist["patient_id"] is None
    patient = api.get("/api/v1/me", clinic.patient.user).json
    assert patient["patient_id"] == str(clinic.patient.id) and patient["therapist_id"] is None
    assert api.get("/api/v1/me").status_code == 401


def test_change_password_revokes_other_sessions_and_tokens(api, clinic, app):
    user = clinic.therapist.user
    old_token = api.token_for(user)
    browser = app.test_client()
    login_cookie(browser, user)
    phone = app.test_client()
    new_token = phone.post("/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD}).json[
        "token"
    ]
    response = phone.post(
        "/api/v1/me/password",
        headers={"Authorization": f"Bearer {new_token}"},
        json={"current_password": PASSWORD, "new_password": "a-brand-new-secret"},
    )
    assert response.status_code == 204
    assert phone.get("/api/v1/me", headers={"Authorization": f"Bearer {new_token}"}).status_code == 200
    assert phone.get("/api/v1/me", headers={"Authorization": f"Bearer {old_token}"}).status_code == 401
    assert browser.get("/api/v1/me").status_code == 401
    assert (
        app.test_client()
        .post(LOGIN, json={"email": user.email, "password": "a-brand-new-secret"})
        .status_code
        == 200
    )


def test_change_password_with_wrong_current_password_is_422(api, clinic):
    response = api.post(
        "/api/v1/me/password",
        clinic.admin,
        json={"current_password": "not-it-at-all", "new_password": "another-long-one"},
    )
    assert response.status_code == 422
    assert "current_password" in response.json["errors"]


def test_password_length_rules(api, clinic):
    short = api.post(
        "/api/v1/me/password", clinic.admin, json={"current_password": PASSWORD, "new_password": "short"}
    )
    long = api.post(
        "/api/v1/me/password", clinic.admin, json={"current_password": PASSWORD, "new_password": "x" * 129}
    )
    assert short.status_code == long.status_code == 422
    assert "new_password" in short.json["errors"] and "new_password" in long.json["errors"]


def _token_from(message) -> str:
    match = re.search(r"token=([A-Za-z0-9_\-]+)", message.body)
    assert match, message.body
    return match.group(1)


def test_invitation_is_single_use(app, clinic):
    patient = make_patient(clinic.therapist)
    patient.user.password_hash = None
    db.session.commit()
    outbox = _send_invitation(app, patient.user.id)
    message = outbox[-1]
    assert message.to == [patient.user.email]
    assert "https://app.test/" in message.body
    token = _token_from(message)
    client = app.test_client()
    accepted = client.post(
        "/api/v1/auth/invitations/accept", json={"token": token, "password": "my-new-password"}
    )
    assert accepted.status_code == 200
    assert accepted.json["user"]["email"] == patient.user.email
    again = client.post(
        "/api/v1/auth/invitations/accept", json={"token": token, "password": "other-password-1"}
    )
    assert again.status_code == 422
    assert "token" in again.json["errors"]
    assert (
        client.post(LOGIN, json={"email": patient.user.email, "password": "my-new-password"}).status_code
        == 200
    )


def test_invitation_expires_after_seven_days(app, clinic):
    patient = make_patient(clinic.therapist)
    patient.user.password_hash = None
    db.session.commit()
    token = _token_from(_send_invitation(app, patient.user.id)[-1])
    with time_machine.travel(utcnow() + timedelta(days=7, minutes=1)):
        response = app.test_client().post(
            "/api/v1/auth/invitations/accept", json={"token": token, "password": "my-new-password"}
        )
    assert response.status_code == 422


def _send_invitation(app, user_id):
    """Run what the worker runs for the queued invitation; the locmem backend keeps the mail."""
    issued = accounts.issue_invitation(user_id)
    assert issued is not None
    db.session.commit()
    emails.send_invitation(*issued)
    return app.extensions["mailman"].outbox
