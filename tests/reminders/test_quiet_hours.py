"""Quiet hours against visits, exercise days and daylight saving, through the planner and the send,
on a frozen clock, on both DST days of New York and Berlin (API.md "Reminders and notifications")."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from telehealth.extensions import db
from telehealth.reminders.models import Kind, Notification, Status
from tests.factories import book_follow_up, make_patient
from tests.reminders.helpers import notes_of, reminder_at, run_scan_and_send, settings_of

NY, BERLIN = "America/New_York", "Europe/Berlin"
# New York: 03-08 02:00 EST -> 03:00 EDT; 11-01 02:00 EDT -> 01:00 EST.
# Berlin: 03-29 02:00 CET -> 03:00 CEST; 10-25 03:00 CEST -> 02:00 CET.
DST_DAYS = pytest.mark.parametrize(
    ("tz", "day"),
    [
        (NY, date(2026, 3, 8)),
        (NY, date(2026, 11, 1)),
        (BERLIN, date(2026, 3, 29)),
        (BERLIN, date(2026, 10, 25)),
    ],
    ids=["ny-spring", "ny-fall", "berlin-spring", "berlin-fall"],
)
ONE_DAY = timedelta(days=1)
SECONDS_30 = timedelta(seconds=30)


def at(tz: str, day: date, hour: int, minute: int, second: int = 0) -> datetime:
    """A local wall-clock time (its first occurrence) as a UTC instant."""
    return datetime.combine(day, time(hour, minute, second), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def scans(clock, *moments: datetime) -> None:
    """What beat runs, at each moment (the workers send at once)."""
    for moment in sorted(moments):
        clock.move_to(moment)
        run_scan_and_send(moment)


def visit_notes(patient) -> dict[str, Notification]:
    """The patient's visit reminders by offset in minutes."""
    return {note.occurrence.rsplit(":", 1)[1]: note for note in notes_of(patient, Kind.SESSION)}


@DST_DAYS
def test_quiet_hours_set_after_a_visit_was_booked_move_its_reminder_instead_of_losing_it(
    api, clinic, tz, day
):
    with time_machine.travel(at(tz, day - 2 * ONE_DAY, 12, 0), tick=False) as clock:
        patient = make_patient(clinic.therapist, timezone=tz)
        reminder_at(api, patient, "18:00", session_reminder_offsets_minutes=[240])
        book_follow_up(api, clinic.therapist, patient, at(tz, day, 10, 0))
        assert visit_notes(patient)["240"].scheduled_for == at(tz, day, 6, 0)

        # The next day the patient sets quiet hours that cover 06:00 and end before the visit.
        clock.move_to(at(tz, day - ONE_DAY, 12, 0))
        reminder_at(api, patient, "18:00", quiet_hours_start="22:00", quiet_hours_end="09:00")
        db.session.expire_all()
        assert visit_notes(patient)["240"].scheduled_for == at(tz, day, 9, 0)

        scans(clock, at(tz, day, 6, 0) + SECONDS_30, at(tz, day, 9, 0) + SECONDS_30)
        note = visit_notes(patient)["240"]
        assert (note.status, note.sent_at, note.error) == (Status.SENT, at(tz, day, 9, 0) + SECONDS_30, None)


@DST_DAYS
def test_a_visit_reminder_never_goes_after_the_visit_starts(api, clinic, tz, day):
    """Visit at 07:30, quiet hours 21:00-08:00: the 60-minute reminder goes at 20:55 the evening before."""
    with time_machine.travel(at(tz, day - 2 * ONE_DAY, 12, 0), tick=False) as clock:
        patient = make_patient(clinic.therapist, timezone=tz)
        reminder_at(api, patient, "18:00", quiet_hours_start="21:00", quiet_hours_end="08:00")
        starts_at = at(tz, day, 7, 30)
        book_follow_up(api, clinic.therapist, patient, starts_at)
        planned = visit_notes(patient)
        assert planned["60"].scheduled_for == at(tz, day - ONE_DAY, 20, 55)

        scans(
            clock,
            *(note.scheduled_for + SECONDS_30 for note in planned.values()),
            at(tz, day, 8, 0) + SECONDS_30,
        )
        sent = visit_notes(patient)
        assert {offset: note.status for offset, note in sent.items()} == {
            "1440": Status.SENT,
            "60": Status.SENT,
        }
        assert all(note.sent_at < starts_at for note in sent.values())


def test_quiet_hours_lifted_after_a_reminder_was_due_send_it_at_once_not_as_late(api, clinic):
    day = date(2026, 11, 24)
    with time_machine.travel(at(NY, day - ONE_DAY, 12, 0), tick=False) as clock:
        patient = make_patient(clinic.therapist, timezone=NY)
        quiet = {"quiet_hours_start": "22:00", "quiet_hours_end": "09:00"}
        reminder_at(api, patient, "18:00", session_reminder_offsets_minutes=[360], **quiet)
        book_follow_up(api, clinic.therapist, patient, at(NY, day, 10, 0))
        assert visit_notes(patient)["360"].scheduled_for == at(NY, day, 9, 0)  # due 04:00, quiet

        # At 07:00 the patient lifts the quiet hours: the 04:00 reminder is owed now, not 3 hours late.
        clock.move_to(at(NY, day, 7, 0))
        reminder_at(api, patient, "18:00", session_reminder_offsets_minutes=[360])
        scans(clock, at(NY, day, 7, 0, 30))
        note = visit_notes(patient)["360"]
        assert (note.status, note.scheduled_for, note.sent_at) == (
            Status.SENT,
            at(NY, day, 7, 0),
            at(NY, day, 7, 0, 30),
        )


def test_a_visit_reminder_held_up_past_the_visit_start_is_not_sent(api, clinic):
    with time_machine.travel(at(NY, date(2026, 11, 23), 8, 0), tick=False) as clock:
        patient = make_patient(clinic.therapist, timezone=NY)
        reminder_at(api, patient, "18:00", session_reminder_offsets_minutes=[60])
        book_follow_up(api, clinic.therapist, patient, at(NY, date(2026, 11, 23), 10, 0))
        # The workers were down from 09:00 and come back at 10:05, within the two hours of lateness.
        scans(clock, at(NY, date(2026, 11, 23), 10, 5))
        note = visit_notes(patient)["60"]
        assert (note.status, note.error, note.sent_at) == (
            Status.SKIPPED,
            "The visit has already started.",
            None,
        )


@DST_DAYS
def test_an_exercise_reminder_in_quiet_hours_that_end_the_next_day_goes_before_they_begin(
    api, clinic, program, tz, day
):
    with time_machine.travel(at(tz, day, 12, 0), tick=False) as clock:
        patient = make_patient(clinic.therapist, timezone=tz)
        program(patient, day - ONE_DAY)
        reminder_at(api, patient, "23:00", quiet_hours_start="22:00", quiet_hours_end="07:00")
        assert settings_of(patient).next_daily_at == at(tz, day, 21, 55)

        scans(clock, at(tz, day, 21, 55, 30), at(tz, day, 23, 0, 30), at(tz, day + ONE_DAY, 7, 0, 30))
        [note] = notes_of(patient, Kind.EXERCISE)
        assert (note.occurrence, note.status) == (day.isoformat(), Status.SENT)
        assert note.sent_at == at(tz, day, 21, 55, 30)


@DST_DAYS
def test_an_exercise_reminder_whose_moment_before_quiet_hours_has_passed_is_skipped_that_day(
    api, clinic, program, tz, day
):
    with time_machine.travel(at(tz, day, 22, 30), tick=False) as clock:
        patient = make_patient(clinic.therapist, timezone=tz)
        program(patient, day - ONE_DAY)
        reminder_at(api, patient, "23:00", quiet_hours_start="22:00", quiet_hours_end="07:00")
        # 21:55 today has passed: nothing about today, tomorrow's at 21:55 tomorrow.
        assert settings_of(patient).next_daily_at == at(tz, day + ONE_DAY, 21, 55)
        scans(
            clock, at(tz, day, 23, 0, 30), at(tz, day + ONE_DAY, 7, 0, 30), at(tz, day + ONE_DAY, 21, 55, 30)
        )
        assert [(n.occurrence, n.status) for n in notes_of(patient, Kind.EXERCISE)] == [
            ((day + ONE_DAY).isoformat(), Status.SENT)
        ]


def _local(tz: str, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz), fold=fold).astimezone(UTC)


@pytest.mark.parametrize(
    ("tz", "quiet", "deferred_at", "ends_at"),
    [
        # The case: 01:15 on the second pass of the repeated hour; 01:30 comes 15 minutes on.
        (
            NY,
            ("00:00", "01:30"),
            _local(NY, 2026, 11, 1, 1, 15, fold=1),
            _local(NY, 2026, 11, 1, 1, 30, fold=1),
        ),
        (
            BERLIN,
            ("00:00", "02:30"),
            _local(BERLIN, 2026, 10, 25, 2, 15, fold=1),
            _local(BERLIN, 2026, 10, 25, 2, 30, fold=1),
        ),
        # 02:30 never shows on the spring-forward night: they end as the clock jumps to 03:00.
        (NY, ("22:00", "02:30"), _local(NY, 2026, 3, 8, 1, 45), _local(NY, 2026, 3, 8, 3, 0)),
        (BERLIN, ("22:00", "02:30"), _local(BERLIN, 2026, 3, 29, 1, 45), _local(BERLIN, 2026, 3, 29, 3, 0)),
    ],
    ids=["ny-fall", "berlin-fall", "ny-spring", "berlin-spring"],
)
def test_a_send_deferred_by_quiet_hours_goes_when_the_clock_first_reads_their_end(
    api, clinic, tz, quiet, deferred_at, ends_at
):
    with time_machine.travel(deferred_at - timedelta(hours=3), tick=False) as clock:
        patient = make_patient(clinic.therapist, timezone=tz)
        reminder_at(api, patient, "18:00", quiet_hours_start=quiet[0], quiet_hours_end=quiet[1])
        # A nudge falling due inside the quiet hours (say, retried there after a failed send).
        db.session.add(
            Notification(
                id=uuid.uuid4(),
                patient_id=patient.id,
                kind=Kind.INACTIVITY,
                channel="email",
                occurrence=deferred_at.astimezone(ZoneInfo(tz)).date().isoformat(),
                scheduled_for=deferred_at,
                next_attempt_at=deferred_at,
                status=Status.PENDING,
            )
        )
        db.session.commit()

        scans(clock, deferred_at)
        [note] = notes_of(patient, Kind.INACTIVITY)
        assert (note.status, note.next_attempt_at, note.scheduled_for) == (Status.PENDING, ends_at, ends_at)
        scans(clock, ends_at + SECONDS_30)
        [note] = notes_of(patient, Kind.INACTIVITY)
        assert (note.status, note.sent_at) == (Status.SENT, ends_at + SECONDS_30)
