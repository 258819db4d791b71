"""Email change and password reset end to end: PostgreSQL, Redis, a Celery worker, SMTP (aiosmtpd)."""

from __future__ import annotations

import re

from tests.factories import PASSWORD, Api, make_patient, make_therapist

NEW = "paula.new@patients-test.org"
RESET_SUBJECT = "Reset your password"


def _body(message) -> str:
    return message.get_payload(decode=True).decode()


def _token(message, path: str) -> str:
    match = re.search(rf"https://app\.test/{path}\?token=([A-Za-z0-9_\-]+)", _body(message))
    assert match, _body(message)
    return match.group(1)


def _mail(inbox, address: str, subject: str) -> list:
    return inbox.wait_for(lambda m: address in (m["To"] or "") and m["Subject"] == subject)


def test_an_email_change_is_confirmed_through_the_link_and_the_reset_mail_follows_the_sign_in(
    pg_app, worker, smtp
):
    inbox, _ = smtp
    therapist = make_therapist()
    patient = make_patient(therapist, first_name="Paula")
    old = patient.user.email
    api = Api(pg_app)
    client = pg_app.test_client()
    phone = {"Authorization": f"Bearer {api.token_for(patient.user)}"}

    changed = api.patch(f"/api/v1/patients/{patient.id}", therapist.user, json={"email": NEW})
    assert changed.status_code == 200
    assert (changed.json["email"], changed.json["pending_email"]) == (old, NEW)

    [notice] = _mail(inbox, old, "A change to your sign-in email was requested")
    [link] = _mail(inbox, NEW, "Confirm your new sign-in email")
    assert "Paula" in _body(notice) and "token=" not in _body(notice)
    assert "Paula" in _body(link)

    # A reset asked for the pending address sends nothing; the worker takes jobs in order, so once the
    # reset asked next for the current address has arrived, the first one has been dealt with.
    assert client.post("/api/v1/auth/password-reset", json={"email": NEW}).status_code == 202
    assert client.post("/api/v1/auth/password-reset", json={"email": old}).status_code == 202
    assert len(_mail(inbox, old, RESET_SUBJECT)) == 1
    assert [m["Subject"] for m in inbox.to(NEW, timeout=0)] == ["Confirm your new sign-in email"]

    confirmed = client.post(
        "/api/v1/auth/email-change/confirm", json={"token": _token(link, "app/confirm-email")}
    )
    assert confirmed.status_code == 200
    assert (confirmed.json["user"]["email"], confirmed.json["user"]["pending_email"]) == (NEW, None)
    assert client.get("/api/v1/me", headers=phone).status_code == 401
    assert client.post("/api/v1/auth/login", json={"email": old, "password": PASSWORD}).status_code == 401
    assert client.post("/api/v1/auth/login", json={"email": NEW, "password": PASSWORD}).status_code == 200

    assert client.post("/api/v1/auth/password-reset", json={"email": NEW}).status_code == 202
    [reset] = _mail(inbox, NEW, RESET_SUBJECT)
    done = client.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": _token(reset, "app/reset-password"), "password": "paulas-new-password"},
    )
    assert done.status_code == 204
    assert (
        client.post("/api/v1/auth/login", json={"email": NEW, "password": "paulas-new-password"}).status_code
        == 200
    )
