"""Email changes (API.md "Authentication", "Email changes"): a new sign-in address must be confirmed.

The worker's jobs run in-process (tests/support/jobs.py); the locmem mail backend keeps the mail.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine

from telehealth import jobs
from telehealth.accounts.models import OneTimePurpose, OneTimeToken
from telehealth.audit.models import AuditEvent
from telehealth.common.time import utcnow
from telehealth.extensions import db
from telehealth.jobs.models import OutboxJob
from tests.factories import PASSWORD, login_cookie, make_patient
from tests.support.jobs import run_queued_jobs

LOGIN = "/api/v1/auth/login"
RESET = "/api/v1/auth/password-reset"
CONFIRM = "/api/v1/auth/email-change/confirm"
NEW = "new.address@patients-test.org"
CONFIRM_SUBJECT = "Confirm your new sign-in email"
NOTICE_SUBJECT = "A change to your sign-in email was requested"


def _sent(app) -> list:
    return list(getattr(app.extensions["mailman"], "outbox", []))


def _to(app, address: str) -> list:
    return [message for message in _sent(app) if message.to == [address]]


def _token(message) -> str:
    match = re.search(r"token=([A-Za-z0-9_\-]+)", message.body)
    assert match, message.body
    return match.group(1)


def _set_email(api, clinic, email: str, patient=None, who=None):
    patient = patient or clinic.patient
    return api.patch(f"/api/v1/patients/{patient.id}", who or clinic.therapist.user, json={"email": email})


def _sign_in(app, email: str, password: str = PASSWORD) -> int:
    return app.test_client().post(LOGIN, json={"email": email, "password": password}).status_code


def _request_and_mail(app, api, clinic, email: str = NEW, patient=None) -> str:
    """Ask for a change, run the worker's job, and return the token of the link sent to `email`."""
    assert _set_email(api, clinic, email, patient).status_code == 200
    run_queued_jobs()
    return _token(_to(app, email)[-1])


def _confirm(app, token: str):
    return app.test_client().post(CONFIRM, json={"token": token})


def test_a_care_team_email_change_leaves_the_sign_in_as_is_and_shows_the_pending_address(app, api, clinic):
    old = clinic.patient.user.email
    response = _set_email(api, clinic, "New.Address@Patients-Test.org ")
    assert response.status_code == 200
    assert response.json["email"] == old
    assert response.json["pending_email"] == NEW
    me = api.get("/api/v1/me", clinic.patient.user).json
    assert me["email"] == old and me["pending_email"] == NEW
    assert api.get(f"/api/v1/patients/{clinic.patient.id}", clinic.admin).json["pending_email"] == NEW
    assert _sign_in(app, old) == 200
    assert _sign_in(app, NEW) == 401


def test_a_confirmation_link_goes_to_the_new_address_and_a_notice_without_a_link_to_the_old(app, api, clinic):
    old = clinic.patient.user.email
    _set_email(api, clinic, NEW)
    assert _sent(app) == []  # nothing leaves before the commit, and then only through the worker
    run_queued_jobs()
    notice, link = _sent(app)  # the notice first: the link cannot be used before the old address is told
    assert notice.to == [old] and notice.subject == NOTICE_SUBJECT
    assert link.to == [NEW] and link.subject == CONFIRM_SUBJECT
    assert "https://app.test/app/confirm-email?token=" in link.body
    assert "token=" not in notice.body and "http" not in notice.body
    for message in (notice, link):
        assert "Pat" in message.body  # the first name, and nothing clinical
        assert clinic.patient.user.last_name not in message.body
        assert "pain" not in message.body and "hip" not in message.body
    assert "24 hours" in link.body


def test_confirming_makes_the_new_address_the_sign_in_and_ends_every_session_and_token(app, api, clinic):
    user = clinic.patient.user
    old = user.email
    browser = app.test_client()
    login_cookie(browser, user)
    bearer = {"Authorization": f"Bearer {api.token_for(user)}"}
    token = _request_and_mail(app, api, clinic)

    confirmed = _confirm(app, token)
    assert confirmed.status_code == 200
    assert confirmed.json["user"]["email"] == NEW
    assert confirmed.json["user"]["pending_email"] is None
    assert confirmed.json["user"]["patient_id"] == str(clinic.patient.id)
    assert browser.get("/api/v1/me").status_code == 401
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 401
    assert _sign_in(app, NEW) == 200
    assert _sign_in(app, old) == 401
    again = _confirm(app, token)
    assert again.status_code == 422 and "token" in again.json["errors"]


def test_the_takeover_through_a_changed_email_and_a_password_reset_fails(app, api, clinic):
    """The issue's scenario: a therapist sets an address they control and resets its password."""
    user = clinic.patient.user
    old = user.email
    attacker = "attacker@elsewhere-test.org"
    victim = app.test_client()
    login_cookie(victim, user)
    victim_bearer = {"Authorization": f"Bearer {api.token_for(user)}"}

    assert _set_email(api, clinic, attacker).status_code == 200
    assert app.test_client().post(RESET, json={"email": attacker}).status_code == 202
    run_queued_jobs()
    assert [m.subject for m in _to(app, attacker)] == [CONFIRM_SUBJECT]  # no reset link
    assert (
        db.session.scalars(
            db.select(OneTimeToken).where(OneTimeToken.purpose == OneTimePurpose.PASSWORD_RESET)
        ).all()
        == []
    )
    assert _sign_in(app, attacker) == 401  # not even with the right password
    assert _sign_in(app, old) == 200
    assert victim.get("/api/v1/me").status_code == 200
    assert app.test_client().get("/api/v1/me", headers=victim_bearer).status_code == 200

    # Only the holder of the new address's link completes the change; then every old session ends.
    assert _confirm(app, _token(_to(app, attacker)[-1])).status_code == 200
    assert victim.get("/api/v1/me").status_code == 401
    assert app.test_client().get("/api/v1/me", headers=victim_bearer).status_code == 401
    assert _sign_in(app, attacker) == 200
    assert _sign_in(app, old) == 401


def test_a_reset_link_sent_to_the_old_address_dies_with_the_change(app, api, clinic):
    old = clinic.patient.user.email
    app.test_client().post(RESET, json={"email": old})
    run_queued_jobs()
    reset_token = _token(_to(app, old)[-1])
    assert _confirm(app, _request_and_mail(app, api, clinic)).status_code == 200
    reset = app.test_client().post(
        "/api/v1/auth/password-reset/confirm", json={"token": reset_token, "password": "someone-elses-pw"}
    )
    assert reset.status_code == 422


def test_the_link_expires_after_24_hours(app, api, clinic):
    token = _request_and_mail(app, api, clinic)
    with time_machine.travel(utcnow() + timedelta(hours=24, minutes=1)):
        expired = _confirm(app, token)
    assert expired.status_code == 422 and "token" in expired.json["errors"]
    assert expired.content_type == "application/problem+json"
    assert api.get("/api/v1/me", clinic.patient.user).json["email"] == clinic.patient.user.email


@pytest.mark.parametrize("body", [{}, {"token": ""}, {"token": "not-a-real-token"}])
def test_a_missing_or_unknown_token_is_422(app, clinic, body):
    response = app.test_client().post(CONFIRM, json=body)
    assert response.status_code == 422
    assert "token" in response.json["errors"]


def test_an_account_still_waiting_on_its_invitation_changes_at_once_and_is_invited_anew(app, api, clinic):
    created = api.post(
        "/api/v1/patients",
        clinic.therapist.user,
        json={
            "email": "typo@patients-test.org",
            "first_name": "Ivy",
            "last_name": "Invited",
            "date_of_birth": "1990-01-01",
            "timezone": "Europe/Paris",
        },
    )
    run_queued_jobs()
    [first_invitation] = _to(app, "typo@patients-test.org")
    patient_path = f"/api/v1/patients/{created.json['id']}"
    changed = api.patch(patient_path, clinic.therapist.user, json={"email": "ivy@patients-test.org"})
    assert changed.status_code == 200
    assert changed.json["email"] == "ivy@patients-test.org" and changed.json["pending_email"] is None
    run_queued_jobs()
    [invitation] = _to(app, "ivy@patients-test.org")
    assert _to(app, "typo@patients-test.org") == [first_invitation]  # no notice: it never signed in

    accept = "/api/v1/auth/invitations/accept"
    stale = app.test_client().post(
        accept, json={"token": _token(first_invitation), "password": "ivys-password"}
    )
    assert stale.status_code == 422
    fresh = app.test_client().post(accept, json={"token": _token(invitation), "password": "ivys-password"})
    assert fresh.status_code == 200 and fresh.json["user"]["email"] == "ivy@patients-test.org"
    assert _sign_in(app, "ivy@patients-test.org", "ivys-password") == 200


def test_another_accounts_address_is_409_and_nothing_changes(app, api, clinic):
    taken = clinic.other_patient.user.email
    for address in (taken, taken.upper(), clinic.therapist.user.email):
        response = _set_email(api, clinic, address, who=clinic.admin)
        assert response.status_code == 409
        assert "email" in response.json["errors"]
    assert api.get(f"/api/v1/patients/{clinic.patient.id}", clinic.admin).json["pending_email"] is None
    queued = db.session.scalars(db.select(OutboxJob.task_name)).all()
    assert jobs.SEND_EMAIL_CHANGE not in queued


def test_an_address_taken_before_the_confirmation_is_409_at_confirm(app, api, clinic):
    token = _request_and_mail(app, api, clinic)
    make_patient(clinic.other_therapist, email=NEW)  # someone else signs in with it meanwhile
    response = _confirm(app, token)
    assert response.status_code == 409
    assert response.content_type == "application/problem+json"
    me = api.get("/api/v1/me", clinic.patient.user).json
    assert me["email"] != NEW and me["pending_email"] == NEW


def test_an_address_another_account_is_only_waiting_for_is_not_taken(app, api, clinic):
    assert (
        _set_email(api, clinic, NEW, patient=clinic.other_patient, who=clinic.other_therapist.user).json[
            "pending_email"
        ]
        == NEW
    )
    response = _set_email(api, clinic, NEW)
    assert response.status_code == 200 and response.json["pending_email"] == NEW
    run_queued_jobs()
    first, second = (_token(m) for m in _to(app, NEW))
    assert _confirm(app, second).status_code == 200  # whoever confirms first gets it...
    assert _confirm(app, first).status_code == 409  # ...and the other link then finds it taken


def test_setting_the_current_email_again_is_a_no_op(app, api, clinic):
    before = db.session.scalar(db.select(db.func.count()).select_from(OutboxJob))
    response = _set_email(api, clinic, clinic.patient.user.email.upper())
    assert response.status_code == 200 and response.json["pending_email"] is None
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxJob)) == before
    assert db.session.scalars(db.select(AuditEvent).where(AuditEvent.action.like("user.email%"))).all() == []


def test_setting_the_current_email_back_cancels_the_pending_change_and_its_link(app, api, clinic):
    token = _request_and_mail(app, api, clinic)
    cancelled = _set_email(api, clinic, clinic.patient.user.email)
    assert cancelled.status_code == 200 and cancelled.json["pending_email"] is None
    assert _confirm(app, token).status_code == 422
    assert _sign_in(app, NEW) == 401


def test_a_newer_request_replaces_the_pending_address_and_the_earlier_link_stops_working(app, api, clinic):
    first = _request_and_mail(app, api, clinic, "first@patients-test.org")
    second = _request_and_mail(app, api, clinic, "second@patients-test.org")
    assert _confirm(app, first).status_code == 422
    assert _confirm(app, second).json["user"]["email"] == "second@patients-test.org"


def test_asking_again_for_the_pending_address_sends_a_fresh_link(app, api, clinic):
    first = _request_and_mail(app, api, clinic)
    second = _request_and_mail(app, api, clinic)
    assert first != second and len(_to(app, NEW)) == 2
    assert _confirm(app, first).status_code == 422
    assert _confirm(app, second).status_code == 200


def test_the_patient_may_not_change_their_own_email(api, clinic):
    response = _set_email(api, clinic, NEW, who=clinic.patient.user)
    assert response.status_code == 403
    assert api.get("/api/v1/me", clinic.patient.user).json["pending_email"] is None


def test_therapists_and_me_show_the_pending_email_too(api, clinic):
    therapists = api.get("/api/v1/therapists", clinic.admin).json["items"]
    assert therapists and all(
        "pending_email" in item and item["pending_email"] is None for item in therapists
    )
    assert api.get("/api/v1/me", clinic.admin).json["pending_email"] is None


def test_the_request_and_the_confirmation_are_audited(app, api, clinic):
    user_id = clinic.patient.user.id
    _request_and_mail(app, api, clinic)
    requested = db.session.scalar(
        db.select(AuditEvent).where(AuditEvent.action == "user.email_change_requested")
    )
    assert requested.actor_id == clinic.therapist.user.id
    assert requested.resource_type == "user" and requested.resource_id == str(user_id)
    assert requested.patient_id == clinic.patient.id and requested.outcome == "success"
    _set_email(api, clinic, clinic.patient.user.email)
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "user.email_change_cancelled"))

    _confirm(app, "not-the-token")
    token = _request_and_mail(app, api, clinic)
    _confirm(app, token)
    confirms = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "auth.email_change_confirm").order_by(AuditEvent.at)
    ).all()
    assert [(e.outcome, e.status_code) for e in confirms] == [("rejected", 422), ("success", 200)]
    assert confirms[-1].resource_id == str(user_id) and confirms[-1].patient_id == clinic.patient.id


def test_failed_confirmations_are_throttled_and_successes_are_free(app, api, clinic):
    app.config["TOKEN_FAILURE_LIMIT_PER_ADDRESS"] = "2 per hour"
    patients = [clinic.patient, clinic.other_patient, make_patient(clinic.therapist)]
    for n, patient in enumerate(patients):
        team = clinic.other_therapist.user if patient is clinic.other_patient else clinic.therapist.user
        address = f"moved{n}@patients-test.org"
        assert api.patch(f"/api/v1/patients/{patient.id}", team, json={"email": address}).status_code == 200
    run_queued_jobs()
    tokens = [_token(_to(app, f"moved{n}@patients-test.org")[-1]) for n in range(3)]
    successes = [_confirm(app, token) for token in tokens]
    assert [r.status_code for r in successes] == [200] * 3
    assert all("Retry-After" not in r.headers for r in successes)
    accept = app.test_client().post(
        "/api/v1/auth/invitations/accept", json={"token": "guess-0", "password": "a-long-password"}
    )
    assert accept.status_code == 422  # every emailed link's token shares one budget per address
    guesses = [_confirm(app, f"guess-{n}").status_code for n in range(1, 3)]
    assert guesses == [422, 429]
    limited = _confirm(app, "guess-again")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
