"""The reminder rules of API.md, run through the planner and delivery on SQLite with frozen time.

Email goes to Flask-Mailman's in-memory backend; integration tests cover real SMTP and workers.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine

from telehealth.extensions import db
from telehealth.reminders.delivery import deliver
from telehealth.reminders.dispatch import scan
from telehealth.reminders.models import Kind, Notification, Status
from tests.factories import make_patient
from tests.reminders.helpers import notes_of, reminder_at, run_scan_and_send, settings_of
from tests.support.fake_providers import FakeProvider

NY = "America/New_York"


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(NY))


def test_no_reminder_on_a_day_without_scheduled_exercises(api, clinic, program, app):
    with time_machine.travel(ny(2026, 11, 23, 8, 0), tick=False) as clock:  # a Monday
        patient = make_patient(clinic.therapist, timezone=NY)
        program(patient, date(2026, 11, 23), days=["tue", "thu"])
        reminder_at(api, patient, "09:00")
        clock.move_to(ny(2026, 11, 23, 9, 1))
        run_scan_and_send(ny(2026, 11, 23, 9, 1))
        assert notes_of(patient) == []
        clock.move_to(ny(2026, 11, 24, 9, 1))
        run_scan_and_send(ny(2026, 11, 24, 9, 1))
        assert [n.occurrence for n in notes_of(patient)] == ["2026-11-24"]


def test_inactivity_nudge_after_missed_scheduled_days_and_at_most_weekly(api, clinic, program):
    with time_machine.travel(ny(2026, 11, 16, 8, 0), tick=False) as clock:
        patient = make_patient(clinic.therapist, timezone=NY)
        program(patient, date(2026, 11, 16))
        reminder_at(api, patient, "09:00", inactivity_days=3)
        for day in range(16, 27):
            clock.move_to(ny(2026, 11, day, 9, 1))
            run_scan_and_send(ny(2026, 11, day, 9, 1))
        nudges = sorted(n.occurrence for n in notes_of(patient, Kind.INACTIVITY))
        # Three missed scheduled days (16-18) first make the 19th a nudge day; then not before the 26th.
        assert nudges == ["2026-11-19", "2026-11-26"]
        assert all(n.status == Status.SENT for n in notes_of(patient, Kind.INACTIVITY))


def test_a_reminder_more_than_two_hours_late_is_skipped_with_the_reason(api, clinic, program):
    with time_machine.travel(ny(2026, 11, 23, 8, 0), tick=False) as clock:
        patient = make_patient(clinic.therapist, timezone=NY)
        program(patient, date(2026, 11, 23))
        reminder_at(api, patient, "09:00")
        clock.move_to(ny(2026, 11, 23, 9, 0, 10))
        scan(ny(2026, 11, 23, 9, 0, 10))  # planned, then the workers were down
        db.session.execute(
            Notification.__table__.update().values(status=Status.PENDING)  # claimed but never sent
        )
        db.session.commit()
        clock.move_to(ny(2026, 11, 23, 11, 30))
        run_scan_and_send(ny(2026, 11, 23, 11, 30))
        [note] = notes_of(patient)
        assert note.status == Status.SKIPPED and "late" in note.error


def test_a_reminder_up_to_two_hours_late_is_still_sent(api, clinic, program, app):
    with time_machine.travel(ny(2026, 11, 23, 8, 0), tick=False) as clock:
        patient = make_patient(clinic.therapist, timezone=NY)
        program(patient, date(2026, 11, 23))
        reminder_at(api, patient, "09:00")
        clock.move_to(ny(2026, 11, 23, 10, 55))
        run_scan_and_send(ny(2026, 11, 23, 10, 55))
        [note] = notes_of(patient)
        assert note.status == Status.SENT
        assert app.extensions["mailman"].outbox[-1].to == [patient.user.email]


def test_nothing_goes_to_a_discharged_patient_or_a_channel_turned_off(api, clinic, program):
    with time_machine.travel(ny(2026, 11, 23, 8, 0), tick=False) as clock:
        discharged = make_patient(clinic.therapist, timezone=NY)
        opted_out = make_patient(clinic.therapist, timezone=NY)
        for patient in (discharged, opted_out):
            program(patient, date(2026, 11, 23))
            reminder_at(api, patient, "09:00")
        clock.move_to(ny(2026, 11, 23, 9, 0, 10))
        result = scan(ny(2026, 11, 23, 9, 0, 10))
        db.session.commit()
        # Between planning and sending, one is discharged and the other unsubscribes from email.
        assert (
            api.post(
                f"/api/v1/patients/{discharged.id}/discharge", clinic.therapist.user, json={}
            ).status_code
            == 200
        )
        reminder_at(api, opted_out, "09:00", channels=["push"])
        deliver(result.claimed, ny(2026, 11, 23, 9, 0, 20))
        db.session.expire_all()
        [gone] = notes_of(discharged)
        [off] = notes_of(opted_out)
        assert (gone.status, gone.error) == (Status.SKIPPED, "The patient is discharged.")
        assert off.status == Status.SKIPPED and "email" in off.error
        assert settings_of(discharged).next_daily_at is None


def test_sms_has_a_daily_cap_per_patient(api, clinic, app):
    with FakeProvider("twilio") as twilio, time_machine.travel(ny(2026, 11, 23, 8, 0), tick=False):
        app.config.update(
            TWILIO_BASE_URL=twilio.url,
            TWILIO_ACCOUNT_SID=twilio.account_sid,
            TWILIO_AUTH_TOKEN=twilio.auth_token,
            TWILIO_FROM_NUMBER="+15550001111",
            REMINDER_SMS_DAILY_CAP=2,
        )
        patient = make_patient(clinic.therapist, timezone=NY, phone="+15555550123")
        reminder_at(api, patient, "09:00", channels=["sms"])
        now = ny(2026, 11, 23, 8, 0)
        rows = []
        for n in range(3):
            rows.append(
                Notification(
                    id=uuid.uuid4(),
                    patient_id=patient.id,
                    kind=Kind.INACTIVITY,
                    channel="sms",
                    occurrence=f"cap-test-{n}",
                    scheduled_for=now,
                    next_attempt_at=now,
                    status=Status.QUEUED,
                )
            )
        db.session.add_all(rows)
        db.session.commit()
        deliver([r.id for r in rows], now)
        db.session.expire_all()
        statuses = [db.session.get(Notification, r.id).status for r in rows]
        assert statuses == [Status.SENT, Status.SENT, Status.SKIPPED]
        assert len(twilio.requests) == 2
        assert twilio.requests[0].form["Body"][0].startswith("Hi Pat")


def test_a_redelivered_send_task_does_nothing_twice(api, clinic, program, app):
    with time_machine.travel(ny(2026, 11, 23, 8, 0), tick=False) as clock:
        patient = make_patient(clinic.therapist, timezone=NY)
        program(patient, date(2026, 11, 23))
        reminder_at(api, patient, "09:00")
        clock.move_to(ny(2026, 11, 23, 9, 0, 10))
        result = scan(ny(2026, 11, 23, 9, 0, 10))
        db.session.commit()
        state = app.extensions["mailman"]
        before = len(getattr(state, "outbox", []))  # the in-memory backend makes it on first use
        first = deliver(result.claimed, ny(2026, 11, 23, 9, 0, 12))
        again = deliver(result.claimed, ny(2026, 11, 23, 9, 0, 13))
        assert first["sent"] == 1 and again["sent"] == 0 and again["not_mine"] == 1
        assert len(state.outbox) == before + 1


def test_reminders_scan_command_plans_and_queues_what_is_due(api, clinic, program, app):
    with time_machine.travel(ny(2026, 11, 23, 8, 0), tick=False) as clock:
        patient = make_patient(clinic.therapist, timezone=NY)
        program(patient, date(2026, 11, 23))
        reminder_at(api, patient, "09:00")
        clock.move_to(ny(2026, 11, 23, 9, 0, 30))
        result = app.test_cli_runner().invoke(args=["reminders", "scan"])
    assert result.exit_code == 0, result.output
    assert "queued 1 reminders" in result.output
    [note] = notes_of(patient)
    assert note.status == Status.QUEUED  # handed to the (in-memory) broker for a worker


def test_inactivity_is_judged_on_the_days_the_prescription_then_in_force_planned(api, clinic, program):
    with time_machine.travel(ny(2026, 11, 23, 7, 0), tick=False):  # a Monday
        patient = make_patient(clinic.therapist, timezone=NY)
        assignment_id = program(patient, date(2026, 11, 16), days=["mon", "wed", "fri"])
        for day in (16, 18, 20):  # every scheduled day done
            logged = api.post(
                f"/api/v1/patients/{patient.id}/progress-logs",
                patient.user,
                json={
                    "id": str(uuid.uuid4()),
                    "assignment_id": assignment_id,
                    "performed_at": ny(2026, 11, day, 12, 0).isoformat(),
                    "sets_completed": 2,
                    "pain_score": 2,
                },
            )
            assert logged.status_code == 201, logged.json
        # This morning the therapist makes it daily; the weekend before was not a scheduled day.
        changed = api.patch(
            f"/api/v1/assignments/{assignment_id}",
            clinic.therapist.user,
            json={"days_of_week": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]},
        )
        assert changed.status_code == 200, changed.json
        reminder_at(api, patient, "09:00", inactivity_days=2)
    with time_machine.travel(ny(2026, 11, 23, 9, 1), tick=False):
        run_scan_and_send(ny(2026, 11, 23, 9, 1))
    assert [n.kind for n in notes_of(patient)] == [Kind.EXERCISE]
