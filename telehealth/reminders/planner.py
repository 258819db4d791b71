"""Planning: which outbox rows should exist, following the rules of API.md.

Daily work (exercise reminders, inactivity nudges) is driven by `ReminderSettings.next_daily_at`,
precomputed and indexed, so a scan reads only the patients that are due. Visit reminders are
written when a visit is scheduled, moved or cancelled. When each goes is schedule.py's rule; a
change of settings or time zone re-plans what is still pending (`replan_patient`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, select

from telehealth.common.time import utcnow
from telehealth.common.upsert import insert_unless_present
from telehealth.extensions import db
from telehealth.patients.models import Patient
from telehealth.progress.adherence import DayCount, daily_counts
from telehealth.reminders.models import Kind, Notification, ReminderSettings, Status
from telehealth.reminders.schedule import (
    at_local,
    exercise_send_time,
    is_passed,
    local_date,
    next_exercise_time,
    send_time,
)

NUDGE_EVERY = timedelta(days=7)
# How far back inactivity looks for scheduled days.
INACTIVITY_LOOKBACK_DAYS = 30


def ensure_settings(patient: Patient, now: datetime | None = None) -> ReminderSettings:
    settings = db.session.get(ReminderSettings, patient.id)
    if settings is None:
        settings = ReminderSettings(patient_id=patient.id)
        db.session.add(settings)
        db.session.flush()
    if settings.next_daily_at is None:
        reschedule_daily(settings, patient, now)
    return settings


def daily_moment(settings: ReminderSettings, patient: Patient, day: date) -> datetime | None:
    """When the daily reminders of a local day go: the reminder time, moved for quiet hours."""
    quiet = (settings.quiet_hours_start, settings.quiet_hours_end)
    return exercise_send_time(day, settings.exercise_reminder_time, patient.timezone, *quiet)


def reschedule_daily(settings: ReminderSettings, patient: Patient, now: datetime | None = None) -> None:
    """Point next_daily_at at the next daily reminder moment, or clear it when nothing is owed."""
    if not settings.enabled or not patient.is_active:
        settings.next_daily_at = None
        return
    settings.next_daily_at = next_exercise_time(
        settings.exercise_reminder_time,
        patient.timezone,
        settings.quiet_hours_start,
        settings.quiet_hours_end,
        now or utcnow(),
    )


def insert_notifications(rows: list[dict[str, Any]]) -> None:
    """Insert outbox rows; one that already exists (same patient, kind, occurrence, channel) is left alone."""
    if not rows:
        return
    stmt = insert_unless_present(Notification, ["patient_id", "kind", "occurrence", "channel"])
    # The rows as parameters of one cached statement (sent in batches), not a VALUES list compiled
    # afresh for every scan: a scan's thousands of rows took longer to compile than to insert.
    db.session.execute(stmt, rows)


def _row(
    patient_id: uuid.UUID,
    kind: str,
    channel: str,
    occurrence: str,
    when: datetime,
    visit_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    now = utcnow()
    return {
        "id": uuid.uuid4(),
        "patient_id": patient_id,
        "kind": kind,
        "channel": channel,
        "occurrence": occurrence,
        "visit_id": visit_id,
        "scheduled_for": when,
        "next_attempt_at": when,
        "status": Status.PENDING,
        "status_changed_at": now,
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
    }


def _rows_for_channels(
    settings: ReminderSettings,
    patient: Patient,
    kind: str,
    occurrence: str,
    when: datetime,
    visit_id: uuid.UUID | None = None,
) -> list[dict[str, Any]]:
    return [_row(patient.id, kind, channel, occurrence, when, visit_id) for channel in settings.channels]


def is_inactive(days: Sequence[DayCount], inactivity_days: int) -> bool:
    """The last `inactivity_days` scheduled days (before today) all passed with no log."""
    scheduled = [day for day in days if day.planned > 0]
    recent = scheduled[-inactivity_days:]
    return len(recent) == inactivity_days and all(day.done == 0 for day in recent)


def plan_daily(now: datetime | None = None, limit: int | None = None) -> int:
    """Handle every patient whose daily check is due; returns how many were handled."""
    now = now or utcnow()
    limit = limit or current_app.config["REMINDER_SCAN_LIMIT"]
    due = db.session.execute(
        select(ReminderSettings, Patient)
        .join(Patient, Patient.id == ReminderSettings.patient_id)
        .where(ReminderSettings.next_daily_at <= now)
        .order_by(ReminderSettings.next_daily_at)
        .limit(limit)
        .with_for_update(skip_locked=True, of=ReminderSettings)
        # Planning reads the patient's own columns only: no join to users, no care-team query
        # (the relationships raise if it ever tried).
    ).all()
    if not due:
        return 0
    work: list[tuple[ReminderSettings, Patient, datetime, date]] = []
    for settings, patient in due:
        moment: datetime = settings.next_daily_at  # never None here: the WHERE compared it
        day = local_date(moment, patient.timezone)
        # A row whose moment is not that day's reminder moment only marks "compute me" (new rows).
        if patient.is_active and settings.enabled and moment == daily_moment(settings, patient, day):
            work.append((settings, patient, moment, day))
        reschedule_daily(settings, patient, max(now, moment))
    if work:
        first = min(day for *_, day in work) - timedelta(days=INACTIVITY_LOOKBACK_DAYS)
        last = max(day for *_, day in work)
        counts = daily_counts([patient for _, patient, _, _ in work], first, last)
        rows: list[dict[str, Any]] = []
        for settings, patient, moment, day in work:
            by_day = {count.date: count for count in counts.get(patient.id, [])}
            today = by_day.get(day)
            if today is not None and today.planned > 0 and not today.complete:
                rows += _rows_for_channels(settings, patient, Kind.EXERCISE, day.isoformat(), moment)
            before = [count for count in counts.get(patient.id, []) if count.date < day]
            last_nudge = settings.last_inactivity_nudge_on
            if is_inactive(before, settings.inactivity_days) and (
                last_nudge is None or day - last_nudge >= NUDGE_EVERY
            ):
                rows += _rows_for_channels(settings, patient, Kind.INACTIVITY, day.isoformat(), moment)
                settings.last_inactivity_nudge_on = day
        insert_notifications(rows)
    db.session.flush()
    return len(due)


def visit_occurrence(visit_id: uuid.UUID, starts_at: datetime, offset_minutes: int) -> str:
    return f"{visit_id}:{starts_at.strftime('%Y%m%dT%H%M%SZ')}:{offset_minutes}"


def visit_send_time(
    settings: ReminderSettings, patient: Patient, starts_at: datetime, offset_minutes: int, now: datetime
) -> datetime | None:
    """When a visit reminder goes, never after the visit's start; None when it is not owed."""
    due = starts_at - timedelta(minutes=offset_minutes)
    when = send_time(
        due, patient.timezone, settings.quiet_hours_start, settings.quiet_hours_end, not_after=starts_at
    )
    return None if when is None or is_passed(when, due, now) else when


def _replan(note: Notification, when: datetime | None, now: datetime) -> None:
    """Move a pending row to its re-planned moment, or remove it when it is no longer owed."""
    if when is None:
        db.session.delete(note)
    elif note.scheduled_for != when:
        # A moment already past means "now": the row is not late for having been moved.
        note.scheduled_for = note.next_attempt_at = max(when, now)


def _replannable(*where: Any) -> list[Notification]:
    """Pending rows not yet tried: those a change may move (a row in retry keeps its backoff)."""
    untried = (Notification.status == Status.PENDING, Notification.attempts == 0)
    return list(db.session.scalars(select(Notification).where(*where, *untried)))


def sync_visit(visit: Any, now: datetime | None = None) -> None:
    """Make a visit's reminders match it and the patient's settings: written on booking, moved on a
    reschedule or a change of settings, removed on cancel."""
    from telehealth.visits.models import VisitStatus

    now = now or utcnow()
    patient = db.session.get(Patient, visit.patient_id)
    if patient is None:
        return
    settings = ensure_settings(patient, now)
    planned: dict[str, datetime | None] = {}
    if visit.status == VisitStatus.SCHEDULED and patient.is_active and settings.enabled:
        for offset in settings.session_reminder_offsets_minutes:
            occurrence = visit_occurrence(visit.id, visit.starts_at, offset)
            planned[occurrence] = visit_send_time(settings, patient, visit.starts_at, offset, now)
    keep = {(occurrence, channel) for occurrence in planned for channel in settings.channels}
    stale = [
        note.id
        for note in db.session.scalars(
            select(Notification).where(
                Notification.visit_id == visit.id,
                Notification.status.in_([Status.PENDING, Status.QUEUED]),
            )
        )
        if (note.occurrence, note.channel) not in keep
    ]
    if stale:
        db.session.execute(delete(Notification).where(Notification.id.in_(stale)))
    for note in _replannable(Notification.visit_id == visit.id):
        _replan(note, planned.get(note.occurrence), now)
    wanted = []
    for occurrence, when in planned.items():
        offset = int(occurrence.rsplit(":", 1)[1])
        # A reminder whose time had passed when the visit was booked or moved is not owed.
        if when is not None and visit.starts_at - timedelta(minutes=offset) > now:
            wanted += _rows_for_channels(settings, patient, Kind.SESSION, occurrence, when, visit.id)
    db.session.flush()
    insert_notifications(wanted)


def replan_patient(patient: Patient, now: datetime | None = None) -> None:
    """After a change of reminder settings or time zone: move every pending reminder of the patient
    that the change affects, and the next daily check."""
    from telehealth.visits.models import Visit, VisitStatus

    now = now or utcnow()
    settings = ensure_settings(patient, now)
    reschedule_daily(settings, patient, now)
    for note in _replannable(
        Notification.patient_id == patient.id, Notification.kind.in_([Kind.EXERCISE, Kind.INACTIVITY])
    ):
        try:
            day = date.fromisoformat(note.occurrence)
        except ValueError:  # not a daily occurrence: nothing to re-plan
            continue
        when = daily_moment(settings, patient, day)
        due = at_local(day, settings.exercise_reminder_time, patient.timezone)
        _replan(note, None if when is None or is_passed(when, due, now) else when, now)
    db.session.flush()
    for visit in db.session.scalars(
        select(Visit).where(Visit.patient_id == patient.id, Visit.status == VisitStatus.SCHEDULED)
    ):
        sync_visit(visit, now)


def visit_still_matches(visit_id: uuid.UUID | None, occurrence: str) -> bool:
    """A visit reminder (its visit and occurrence) still fits its visit: scheduled, at the start time
    it was written for."""
    from telehealth.visits.models import Visit, VisitStatus

    visit = db.session.get(Visit, visit_id) if visit_id else None
    if visit is None or visit.status != VisitStatus.SCHEDULED:
        return False
    offset = occurrence.rsplit(":", 1)[1]
    return visit_occurrence(visit.id, visit.starts_at, int(offset)) == occurrence
