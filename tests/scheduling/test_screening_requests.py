"""Free screening requests: double opt-in, holds that lapse, staff accept or decline, throttles, retention."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from telehealth import jobs
from telehealth.accounts.models import User
from telehealth.audit.models import AuditEvent
from telehealth.extensions import db
from telehealth.patients.models import Patient
from telehealth.scheduling import intake
from telehealth.scheduling.models import ScreeningRequest
from telehealth.visits.models import Visit
from tests.scheduling.conftest import NOW, every_day, set_hours, slots, starts
from tests.support.jobs import run_queued_jobs

EMAIL = "casey.caller@screening-test.org"


def outbox(app) -> list:
    # The in-memory backend makes its outbox on the first message.
    mailman = app.extensions["mailman"]
    if not hasattr(mailman, "outbox"):
        mailman.outbox = []
    return mailman.outbox


def body(**fields: Any) -> dict[str, Any]:
    return {
        "first_name": "Casey",
        "last_name": "Caller",
        "email": EMAIL,
        "timezone": "America/Chicago",
        "conditions": ["low_back_pain"],
        "message": "Stiff back after gardening.",
        "consent_to_contact": True,
    } | fields


def request_screening(api, address: str = "203.0.113.7", **fields: Any):
    return api.post("/api/v1/screening-requests", json=body(**fields), environ_base={"REMOTE_ADDR": address})


def mailed_token(app, to: str = EMAIL) -> str:
    run_queued_jobs(jobs.SEND_SCREENING_CONFIRMATION)
    message = [m for m in outbox(app) if m.to == [to]][-1]
    return re.search(r"/app/screening/confirm\?token=([A-Za-z0-9_-]+)", message.body)[1]


def confirm(api, token: str):
    return api.post("/api/v1/screening-requests/confirm", json={"token": token})


@pytest.fixture
def open_hours(api, clinic):
    set_hours(api, clinic.therapist, every_day())
    return slots(api, None, kind="screening", therapist_id=str(clinic.therapist.id))


def test_a_visitor_requests_a_slot_confirms_from_the_email_and_a_therapist_accepts(
    api, app, clinic, open_hours
):
    slot = open_hours[0]
    created = request_screening(
        api, slot={"therapist_id": slot["therapist_id"], "starts_at": slot["starts_at"]}
    )
    assert created.status_code == 202, created.json
    assert created.json["status"] == "unconfirmed"
    # Held: nobody else is offered it, and staff do not see an unconfirmed request as work.
    assert slot["starts_at"] not in starts(slots(api, None, kind="screening"))
    listed = api.get("/api/v1/screening-requests?status=requested", clinic.therapist.user).json
    assert listed["total"] == 0

    token = mailed_token(app)
    confirmed = confirm(api, token)
    assert confirmed.status_code == 200 and confirmed.json == {
        "id": created.json["id"],
        "status": "requested",
    }
    assert confirm(api, token).status_code == 422  # single use

    [item] = api.get("/api/v1/screening-requests?status=requested", clinic.therapist.user).json["items"]
    assert item["slot"]["starts_at"] == slot["starts_at"] and item["email"] == EMAIL
    assert api.get("/api/v1/screening-requests", clinic.other_therapist.user).json["total"] == 0  # not theirs

    outbox(app).clear()
    accepted = api.post(
        f"/api/v1/screening-requests/{item['id']}/accept",
        clinic.therapist.user,
        json={"date_of_birth": "1984-02-29"},
    )
    assert accepted.status_code == 201, accepted.json
    patient, session = accepted.json["patient"], accepted.json["session"]
    assert (patient["email"], patient["status"], patient["timezone"]) == (EMAIL, "active", "America/Chicago")
    assert patient["therapist_ids"] == [str(clinic.therapist.id)]
    assert (session["kind"], session["starts_at"], session["duration_minutes"]) == (
        "screening",
        slot["starts_at"],
        15,
    )
    run_queued_jobs()
    subjects = sorted(m.subject for m in outbox(app) if m.to == [EMAIL])
    assert subjects == ["You're invited to your physical therapy app", "Your free screening is booked"]
    booked = next(m for m in outbox(app) if m.subject == "Your free screening is booked")
    [(_name, ics, mimetype)] = booked.attachments
    ics = ics.decode() if isinstance(ics, bytes) else ics
    assert mimetype == "text/calendar" and f"visit-{session['id']}" in ics
    assert "gardening" not in booked.body and "low_back" not in booked.body
    done = api.get(f"/api/v1/screening-requests/{item['id']}", clinic.therapist.user).json
    assert (done["status"], done["patient_id"], done["session_id"]) == (
        "accepted",
        patient["id"],
        session["id"],
    )
    assert (
        api.post(
            f"/api/v1/screening-requests/{item['id']}/accept", clinic.therapist.user, json={}
        ).status_code
        == 409
    )


def test_an_expired_hold_gives_the_request_without_a_slot(api, app, clinic, open_hours, clock):
    slot = open_hours[10]  # tomorrow
    request_screening(api, slot={"therapist_id": slot["therapist_id"], "starts_at": slot["starts_at"]})
    token = mailed_token(app)
    clock.move_to(NOW + timedelta(minutes=31), tick=False)
    assert slot["starts_at"] in starts(slots(api, None, kind="screening"))  # free again
    confirmed = confirm(api, token)
    assert confirmed.json["status"] == "requested"
    [item] = api.get("/api/v1/screening-requests", clinic.other_therapist.user).json["items"]
    assert item["slot"] is None  # without a slot, every therapist sees it
    needs_time = api.post(f"/api/v1/screening-requests/{item['id']}/accept", clinic.therapist.user, json={})
    assert needs_time.status_code == 422 and "starts_at" in needs_time.json["errors"]
    missing_birth = api.post(
        f"/api/v1/screening-requests/{item['id']}/accept",
        clinic.therapist.user,
        json={"starts_at": slot["starts_at"]},
    )
    assert missing_birth.status_code == 422 and "date_of_birth" in missing_birth.json["errors"]
    ok = api.post(
        f"/api/v1/screening-requests/{item['id']}/accept",
        clinic.therapist.user,
        json={"starts_at": slot["starts_at"], "date_of_birth": "1990-01-01"},
    )
    assert ok.status_code == 201


def test_a_held_slot_cannot_be_taken_twice_and_accepting_into_a_taken_time_is_409(
    api, app, clinic, open_hours
):
    slot = {"therapist_id": open_hours[0]["therapist_id"], "starts_at": open_hours[0]["starts_at"]}
    assert request_screening(api, slot=slot).status_code == 202
    second = request_screening(api, slot=slot, email="second@screening-test.org")
    assert second.status_code == 409 and "slot" in second.json["errors"]
    # Another request for the next slot; the therapist books a patient over it before accepting.
    nxt = {"therapist_id": open_hours[1]["therapist_id"], "starts_at": open_hours[1]["starts_at"]}
    request_screening(api, slot=nxt, email="third@screening-test.org", date_of_birth="1970-07-07")
    confirm(api, mailed_token(app, "third@screening-test.org"))
    confirm(api, mailed_token(app, EMAIL))
    third = next(
        i
        for i in api.get("/api/v1/screening-requests", clinic.therapist.user).json["items"]
        if i["email"].startswith("third")
    )
    onto_held = api.post(
        f"/api/v1/screening-requests/{third['id']}/accept",
        clinic.therapist.user,
        json={"starts_at": slot["starts_at"]},
    )
    assert onto_held.status_code == 409  # the first request holds that time
    staff = api.post(
        "/api/v1/sessions",
        clinic.therapist.user,
        json={
            "patient_id": str(clinic.patient.id),
            "starts_at": nxt["starts_at"],
            "duration_minutes": 30,
            "kind": "follow_up",
        },
    )
    assert staff.status_code == 201  # staff booking goes by visits alone: the request finds its time taken
    taken = api.post(f"/api/v1/screening-requests/{third['id']}/accept", clinic.therapist.user, json={})
    assert taken.status_code == 409
    assert (
        db.session.scalar(
            select(func.count()).select_from(Patient).where(Patient.timezone == "America/Chicago")
        )
        == 0
    )


def test_decline_tells_the_person_without_the_reason(api, app, clinic, open_hours):
    created = request_screening(api)
    confirm(api, mailed_token(app))
    outbox(app).clear()
    declined = api.post(
        f"/api/v1/screening-requests/{created.json['id']}/decline",
        clinic.admin,
        json={"reason": "Lives abroad."},
    )
    assert declined.status_code == 200 and declined.json["status"] == "declined"
    run_queued_jobs()
    [notice] = [m for m in outbox(app) if m.to == [EMAIL]]
    assert "cannot offer" in notice.body and "abroad" not in notice.body
    assert (
        api.post(
            f"/api/v1/screening-requests/{created.json['id']}/decline", clinic.admin, json={}
        ).status_code
        == 409
    )


def test_an_unconfirmed_request_cannot_be_accepted_or_declined(api, app, clinic):
    created = request_screening(api).json
    for action in ("accept", "decline"):
        assert (
            api.post(
                f"/api/v1/screening-requests/{created['id']}/{action}", clinic.admin, json={}
            ).status_code
            == 409
        )


def test_red_flags_mark_the_request_urgent_first_in_the_list_and_advise_a_physician(api, app, clinic):
    request_screening(api, email="calm@screening-test.org")
    request_screening(api, red_flags=["saddle_numbness", "fever"])
    run_queued_jobs(jobs.SEND_SCREENING_CONFIRMATION)
    advice = [m for m in outbox(app) if m.to == [EMAIL]][-1].body
    assert "physician" in advice
    calm = [m for m in outbox(app) if m.to == ["calm@screening-test.org"]][-1].body
    assert "physician" not in calm
    for message in outbox(app):
        confirm(api, re.search(r"token=([A-Za-z0-9_-]+)", message.body)[1])
    items = api.get("/api/v1/screening-requests", clinic.admin).json["items"]
    assert [(i["email"], i["urgent"]) for i in items] == [(EMAIL, True), ("calm@screening-test.org", False)]


def test_the_same_answer_whether_or_not_the_email_has_an_account(api, clinic):
    taken = request_screening(api, email=clinic.patient.user.email)
    fresh = request_screening(api, email="nobody@screening-test.org")
    assert (
        (taken.status_code, set(taken.json))
        == (fresh.status_code, set(fresh.json))
        == (202, {"id", "status"})
    )


def test_consent_is_required_and_hostile_input_is_problem_json(api):
    assert request_screening(api, consent_to_contact=False).status_code == 422
    no_consent = api.post(
        "/api/v1/screening-requests", json={k: v for k, v in body().items() if k != "consent_to_contact"}
    )
    assert no_consent.status_code == 422
    for bad in (
        {"email": "not-an-email"},
        {"timezone": "localtime"},
        {"red_flags": ["headache"]},
        {"slot": {"therapist_id": str(uuid.uuid4()), "starts_at": "2026-03-03 10:00"}},
        {"first_name": "x" * 101},
    ):
        response = request_screening(api, **bad)
        assert response.status_code == 422 and response.mimetype == "application/problem+json", bad
    unknown_slot = request_screening(
        api, slot={"therapist_id": str(uuid.uuid4()), "starts_at": "2026-03-03T10:00:00Z"}
    )
    assert unknown_slot.status_code == 409
    assert api.post("/api/v1/screening-requests", data="nope", content_type="text/plain").status_code == 415
    assert db.session.scalar(select(func.count()).select_from(ScreeningRequest)) == 0


def test_the_honeypot_answers_like_any_request_and_keeps_nothing(api, app):
    response = request_screening(api, website="http://spam.example")
    assert response.status_code == 202 and response.json["status"] == "unconfirmed"
    run_queued_jobs()
    assert db.session.scalar(select(func.count()).select_from(ScreeningRequest)) == 0
    assert outbox(app) == []


def test_every_public_write_is_audited(api, app):
    created = request_screening(api).json
    confirm(api, mailed_token(app))
    confirm(api, "forged-token")
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.at)).all()
    seen = [
        (e.action, e.outcome, e.resource_id, e.ip) for e in events if e.action.startswith("screening_request")
    ]
    assert seen == [
        ("screening_request.create", "success", created["id"], "203.0.113.7"),
        ("screening_request.confirm", "success", created["id"], "127.0.0.1"),
        ("screening_request.confirm", "rejected", None, "127.0.0.1"),
    ]


def test_per_email_throttle_does_not_lock_out_a_shared_address(api, app):
    shared = "198.51.100.20"  # a clinic's front desk or a carrier's address
    for _ in range(3):
        assert request_screening(api, shared).status_code == 202
    refused = request_screening(api, shared)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.mimetype == "application/problem+json"
    # Everyone else behind that address goes on; refusals and typos used nothing up.
    for n in range(20):
        assert request_screening(api, shared, email=f"neighbour{n}@screening-test.org").status_code == 202
        assert request_screening(api, shared, email="not-an-email").status_code == 422


def test_per_address_throttle_counts_requests_taken_in(api, app):
    app.config["SCREENING_REQUEST_LIMIT_PER_ADDRESS"] = "5 per hour"
    for n in range(5):
        assert request_screening(api, "192.0.2.1", email=f"p{n}@screening-test.org").status_code == 202
    assert request_screening(api, "192.0.2.1", email="p9@screening-test.org").status_code == 429
    assert request_screening(api, "192.0.2.2", email="p9@screening-test.org").status_code == 202


def test_switched_off_screening_requests_are_not_found(api, app, clinic, open_hours):
    app.config["SCREENING_REQUESTS_ENABLED"] = False
    assert request_screening(api).status_code == 404
    assert confirm(api, "anything").status_code == 404
    assert api.get("/api/v1/slots").status_code == 404
    assert api.get("/api/v1/slots", clinic.admin).status_code == 200  # staff still plan screenings


def test_personal_data_of_unconfirmed_and_declined_requests_is_deleted_on_schedule(api, app, clinic, clock):
    kept = request_screening(api, email="kept@screening-test.org").json
    confirm(api, mailed_token(app, "kept@screening-test.org"))
    declined = request_screening(api, email="declined@screening-test.org").json
    confirm(api, mailed_token(app, "declined@screening-test.org"))
    api.post(f"/api/v1/screening-requests/{declined['id']}/decline", clinic.admin, json={})
    unconfirmed = request_screening(api, email="silent@screening-test.org").json

    def rows() -> set[str]:
        db.session.expire_all()
        return {str(i) for i in db.session.scalars(select(ScreeningRequest.id))}

    clock.move_to(NOW + timedelta(days=1, minutes=1), tick=False)
    intake.purge()
    assert (
        api.get(f"/api/v1/screening-requests/{unconfirmed['id']}", clinic.admin).json["status"] == "expired"
    )
    clock.move_to(NOW + timedelta(days=7, minutes=1), tick=False)
    intake.purge()
    assert rows() == {kept["id"], declined["id"]}
    clock.move_to(NOW + timedelta(days=30, minutes=1), tick=False)
    intake.purge()
    assert rows() == {kept["id"]}
    assert (
        db.session.scalar(select(func.count()).select_from(User).where(User.email.like("%screening-test%")))
        == 0
    )
    assert db.session.scalar(select(func.count()).select_from(Visit)) == 0
