"""The reminder engine on real services: PostgreSQL, Redis, a Celery worker and an SMTP server.

Time is frozen where the rules depend on it (time_machine moves every thread's clock, the
worker's included). Each scan is what `celery beat` runs every minute.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select

from telehealth.extensions import db
from telehealth.reminders.dispatch import scan_and_hand_off
from telehealth.reminders.models import Notification, Status
from tests.factories import Api, book_follow_up, make_patient, make_therapist

NY, TOKYO = "America/New_York", "Asia/Tokyo"


def local(tz: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz))


def scan() -> None:
    scan_and_hand_off()
    db.session.commit()


def drain(timeout: float = 20.0) -> None:
    """Wait until the worker has settled every row it was handed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()
        busy = db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.status.in_([Status.QUEUED, Status.SENDING]))
        )
        if not busy:
            return
        time.sleep(0.1)
    raise AssertionError("the worker did not settle the queued reminders in time")


class Clinic:
    """A therapist with patients on a one-exercise daily program, built through the API."""

    def __init__(self, app) -> None:
        self.api = Api(app)
        self.therapist = make_therapist()
        self.exercise_id: str | None = None

    def patient(self, tz: str, reminder_time: str, *, quiet: tuple[str, str] | None = None, start: date):
        patient = make_patient(self.therapist, timezone=tz)
        if self.exercise_id is None:
            created = self.api.post(
                "/api/v1/exercises",
                self.therapist.user,
                json={
                    "name": "Seated hip internal rotation (test)",
                    "instructions": "Sit tall and rotate slowly.",
                    "body_region": "hip",
                    "category": "mobility",
                },
            )
            assert created.status_code == 201, created.json
            self.exercise_id = created.json["id"]
        assignment = self.api.post(
            f"/api/v1/patients/{patient.id}/assignments",
            self.therapist.user,
            json={
                "exercise_id": self.exercise_id,
                "sets": 2,
                "reps": 10,
                "hold_seconds": None,
                "side": "both",
                "times_per_day": 1,
                "start_date": start.isoformat(),
            },
        )
        assert assignment.status_code == 201, assignment.json
        settings = {
            "exercise_reminder_time": reminder_time,
            "quiet_hours_start": quiet[0] if quiet else None,
            "quiet_hours_end": quiet[1] if quiet else None,
        }
        response = self.api.put(
            f"/api/v1/patients/{patient.id}/reminder-settings", patient.user, json=settings
        )
        assert response.status_code == 200, response.json
        patient.assignment_id = assignment.json["id"]
        return patient

    def log_today(self, patient, when: datetime) -> None:
        response = self.api.post(
            f"/api/v1/patients/{patient.id}/progress-logs",
            patient.user,
            json={
                "id": str(uuid.uuid4()),
                "assignment_id": patient.assignment_id,
                "performed_at": when.isoformat(),
                "sets_completed": 2,
                "reps_completed": 10,
                "pain_score": 2,
            },
        )
        assert response.status_code == 201, response.json


def exercise_emails(inbox, patient) -> list:
    return [
        m
        for m in inbox.messages
        if patient.user.email in (m["To"] or "") and m["Subject"] == "Your exercises for today"
    ]


def test_reminder_arrives_once_at_the_patients_local_time(pg_app, worker, smtp):
    inbox, _ = smtp
    with time_machine.travel(local(NY, 2026, 11, 23, 8, 0), tick=True) as clock:
        clinic = Clinic(pg_app)
        patient = clinic.patient(NY, "09:00", start=date(2026, 11, 23))
        scan()
        drain()
        assert exercise_emails(inbox, patient) == []  # 08:00: not yet
        clock.move_to(local(NY, 2026, 11, 23, 9, 0, 30))
        scan()
        scan()  # a second scan in the same minute finds nothing new
        drain()
        [email] = inbox.to(patient.user.email)
        body = email.get_payload(decode=True).decode()
        assert patient.user.first_name in body and "hip" not in body.lower()
        assert "To stop these emails: https://app.test/app/unsubscribe?token=" in body  # the app's page
        assert "".join(email["List-Unsubscribe"].split()).startswith(
            "<https://app.test/api/v1/notifications/unsubscribe?token="
        )
        clock.move_to(local(NY, 2026, 11, 23, 9, 30))
        scan()
        drain()
        assert len(exercise_emails(inbox, patient)) == 1
        log = clinic.api.get(f"/api/v1/patients/{patient.id}/notifications", patient.user).json
        assert [(n["kind"], n["status"], n["channel"]) for n in log["items"]] == [
            ("exercise_reminder", "sent", "email")
        ]


def test_no_reminder_when_todays_plan_is_already_complete(pg_app, worker, smtp):
    inbox, _ = smtp
    with time_machine.travel(local(NY, 2026, 11, 23, 7, 0), tick=True) as clock:
        clinic = Clinic(pg_app)
        done = clinic.patient(NY, "09:00", start=date(2026, 11, 23))
        not_done = clinic.patient(NY, "09:00", start=date(2026, 11, 23))
        clinic.log_today(done, local(NY, 2026, 11, 23, 6, 55))
        clock.move_to(local(NY, 2026, 11, 23, 9, 1))
        scan()
        drain()
        assert len(exercise_emails(inbox, not_done)) == 1
        assert exercise_emails(inbox, done) == []


def test_reminder_inside_quiet_hours_comes_at_their_end_the_same_day(pg_app, worker, smtp):
    inbox, _ = smtp
    with time_machine.travel(local(NY, 2026, 11, 23, 20, 0), tick=True) as clock:
        clinic = Clinic(pg_app)
        patient = clinic.patient(NY, "05:30", quiet=("22:00", "07:00"), start=date(2026, 11, 23))
        clock.move_to(local(NY, 2026, 11, 24, 5, 31))
        scan()
        drain()
        assert exercise_emails(inbox, patient) == []
        clock.move_to(local(NY, 2026, 11, 24, 7, 0, 20))
        scan()
        drain()
        assert len(exercise_emails(inbox, patient)) == 1


def test_reminder_in_quiet_hours_that_end_the_next_day_comes_before_they_begin(pg_app, worker, smtp):
    inbox, _ = smtp
    with time_machine.travel(local(NY, 2026, 11, 23, 20, 0), tick=True) as clock:
        clinic = Clinic(pg_app)
        patient = clinic.patient(NY, "22:30", quiet=("22:00", "07:00"), start=date(2026, 11, 23))
        clock.move_to(local(NY, 2026, 11, 23, 21, 55, 20))
        scan()
        drain()
        assert len(exercise_emails(inbox, patient)) == 1
        clock.move_to(local(NY, 2026, 11, 24, 7, 0, 20))
        scan()
        drain()
        assert len(exercise_emails(inbox, patient)) == 1  # nothing about yesterday on the next morning
    [note] = db.session.scalars(select(Notification).where(Notification.patient_id == patient.id)).all()
    assert note.occurrence == "2026-11-23"


def test_new_york_and_tokyo_patients_each_get_theirs_at_their_own_local_time(pg_app, worker, smtp):
    inbox, _ = smtp
    with time_machine.travel(datetime(2026, 11, 22, 20, 0, tzinfo=UTC), tick=True) as clock:
        clinic = Clinic(pg_app)
        ny = clinic.patient(NY, "09:00", start=date(2026, 11, 22))
        tokyo = clinic.patient(TOKYO, "09:00", start=date(2026, 11, 22))
        clock.move_to(local(TOKYO, 2026, 11, 23, 9, 0, 30))  # 00:00 UTC; 19:00 in New York
        scan()
        drain()
        assert len(exercise_emails(inbox, tokyo)) == 1 and exercise_emails(inbox, ny) == []
        clock.move_to(local(NY, 2026, 11, 23, 9, 0, 30))  # 14:00 UTC
        scan()
        drain()
        assert len(exercise_emails(inbox, ny)) == 1 and len(exercise_emails(inbox, tokyo)) == 1


def _hourly_scans(clock, start: datetime, hours: int) -> None:
    for hour in range(hours):
        clock.move_to(start + timedelta(hours=hour, minutes=1))
        scan()
        drain()


@pytest.mark.parametrize(
    ("reminder_time", "start", "expected"),
    [
        # 02:30 does not exist in New York on 2026-03-08; the reminder comes once, just after the gap.
        ("02:30", date(2026, 3, 7), ["2026-03-08", "2026-03-09"]),
        # 01:30 happens twice in New York on 2026-11-01; only the first one reminds.
        ("01:30", date(2026, 10, 31), ["2026-11-01", "2026-11-02"]),
    ],
    ids=["spring-forward", "fall-back"],
)
def test_a_daylight_saving_day_gives_exactly_one_reminder(
    pg_app, worker, smtp, reminder_time, start, expected
):
    inbox, _ = smtp
    with time_machine.travel(local(NY, start.year, start.month, start.day, 12, 0), tick=True) as clock:
        clinic = Clinic(pg_app)
        patient = clinic.patient(NY, reminder_time, quiet=None, start=start)
        _hourly_scans(clock, datetime(start.year, start.month, start.day, 17, 0, tzinfo=UTC), 40)
    days = [
        n.occurrence
        for n in db.session.scalars(
            select(Notification)
            .where(Notification.patient_id == patient.id)
            .order_by(Notification.occurrence)
        )
    ]
    assert days == expected
    assert len(exercise_emails(inbox, patient)) == 2


def test_smtp_down_retries_with_backoff_then_fails_visibly(pg_app, worker, smtp):
    with time_machine.travel(local(NY, 2026, 11, 23, 8, 0), tick=True) as clock:
        clinic = Clinic(pg_app)
        patient = clinic.patient(NY, "09:00", start=date(2026, 11, 23))
        drain()
        smtp.stop()
        moment = local(NY, 2026, 11, 23, 9, 0, 30)
        clock.move_to(moment)
        scan()
        drain()
        attempts_seen = []
        for _ in range(6):
            note = db.session.scalar(select(Notification).where(Notification.patient_id == patient.id))
            db.session.refresh(note)
            attempts_seen.append((note.attempts, note.status))
            if note.status == Status.FAILED:
                break
            gap = note.next_attempt_at - moment
            moment = note.next_attempt_at + timedelta(seconds=1)
            assert gap >= timedelta(seconds=30)  # backoff, not a hot loop
            clock.move_to(moment)
            scan()
            drain()
    assert attempts_seen[-1] == (5, Status.FAILED)
    log = clinic.api.get(f"/api/v1/patients/{patient.id}/notifications?status=failed", patient.user).json
    [failed] = log["items"]
    assert failed["attempts"] == 5 and "SMTP" in failed["error"]


def test_two_schedulers_at_once_never_duplicate(pg_app, worker, smtp):
    import threading

    inbox, _ = smtp
    with time_machine.travel(local(NY, 2026, 11, 23, 8, 0), tick=True) as clock:
        clinic = Clinic(pg_app)
        patients = [clinic.patient(NY, "09:00", start=date(2026, 11, 23)) for _ in range(8)]
        clock.move_to(local(NY, 2026, 11, 23, 9, 0, 30))
        errors: list[BaseException] = []

        def scheduler() -> None:
            with pg_app.app_context():
                try:
                    for _ in range(5):
                        scan()
                except BaseException as exc:  # surfaced below
                    errors.append(exc)

        threads = [threading.Thread(target=scheduler) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        drain()
    for patient in patients:
        assert len(exercise_emails(inbox, patient)) == 1


def visit_emails(inbox, patient) -> list:
    return [
        m
        for m in inbox.messages
        if patient.user.email in (m["To"] or "") and m["Subject"] == "Your video visit is coming up"
    ]


def test_visit_reminders_at_24h_and_1h_follow_reschedules_and_cancellations(pg_app, worker, smtp):
    inbox, _ = smtp
    start = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    with time_machine.travel(start - timedelta(days=2), tick=True) as clock:
        clinic = Clinic(pg_app)
        moved = make_patient(clinic.therapist, timezone=NY)
        kept = make_patient(clinic.therapist, timezone=NY)
        cancelled = make_patient(clinic.therapist, timezone=NY)
        ids = {}
        for patient, at in (
            (kept, start),
            (moved, start + timedelta(hours=2)),
            (cancelled, start + timedelta(hours=4)),
        ):
            ids[patient.id] = book_follow_up(clinic.api, clinic.therapist, patient, at)
        assert (
            clinic.api.post(
                f"/api/v1/sessions/{ids[cancelled.id]}/cancel",
                clinic.therapist.user,
                json={"reason": "clinic closed"},
            ).status_code
            == 200
        )

        clock.move_to(start - timedelta(hours=24) + timedelta(seconds=30))
        scan()
        drain()
        assert len(visit_emails(inbox, kept)) == 1
        assert visit_emails(inbox, moved) == []  # its 24 h mark is two hours later

        # Moved by a day after nothing was sent for it yet: its reminders move with it.
        new_start = start + timedelta(days=1, hours=2)
        moved_response = clinic.api.patch(
            f"/api/v1/sessions/{ids[moved.id]}",
            clinic.therapist.user,
            json={"starts_at": new_start.isoformat()},
        )
        assert moved_response.status_code == 200, moved_response.json
        clock.move_to(start + timedelta(hours=2) - timedelta(hours=24) + timedelta(seconds=30))
        scan()
        drain()
        assert visit_emails(inbox, moved) == []

        clock.move_to(start - timedelta(hours=1) + timedelta(seconds=30))
        scan()
        drain()
        assert len(visit_emails(inbox, kept)) == 2
        clock.move_to(new_start - timedelta(hours=24) + timedelta(seconds=30))
        scan()
        drain()
        clock.move_to(new_start - timedelta(hours=1) + timedelta(seconds=30))
        scan()
        drain()
    assert len(visit_emails(inbox, moved)) == 2
    assert visit_emails(inbox, cancelled) == []
    body = visit_emails(inbox, kept)[0].get_payload(decode=True).decode()
    assert ids[kept.id] in body and "follow" not in body.lower()


@pytest.mark.parametrize(
    ("tz", "day"),
    [(NY, date(2026, 11, 1)), ("Europe/Berlin", date(2026, 3, 29))],
    ids=["ny-fall", "berlin-spring"],
)
def test_quiet_hours_set_after_booking_move_the_visit_reminder_on_a_dst_day(pg_app, worker, smtp, tz, day):
    inbox, _ = smtp
    starts_at = local(tz, day.year, day.month, day.day, 10, 0)
    with time_machine.travel(starts_at - timedelta(days=2), tick=True) as clock:
        clinic = Clinic(pg_app)
        patient = make_patient(clinic.therapist, timezone=tz)
        path = f"/api/v1/patients/{patient.id}/reminder-settings"
        quiet_off = {
            "quiet_hours_start": None,
            "quiet_hours_end": None,
            "session_reminder_offsets_minutes": [240],
        }
        assert clinic.api.put(path, patient.user, json=quiet_off).status_code == 200
        book_follow_up(clinic.api, clinic.therapist, patient, starts_at)
        # A day later the patient sets quiet hours that cover the reminder (06:00) and end at 09:00.
        clock.move_to(starts_at - timedelta(days=1))
        quiet = {"quiet_hours_start": "22:00", "quiet_hours_end": "09:00"}
        assert clinic.api.put(path, patient.user, json=quiet).status_code == 200

        clock.move_to(local(tz, day.year, day.month, day.day, 6, 0, 30))
        scan()
        drain()
        assert visit_emails(inbox, patient) == []
        clock.move_to(local(tz, day.year, day.month, day.day, 9, 0, 30))
        scan()
        drain()
        assert len(visit_emails(inbox, patient)) == 1
