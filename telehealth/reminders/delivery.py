"""Sending a batch of claimed rows: queued -> sending -> sent | failed | skipped, each step a compare-and-set.

A redelivered task finds its rows no longer queued and does nothing twice. Each row's claim is
committed before it is sent, together with the previous row's outcome, so no other send happens
while an outcome waits: a worker killed mid-batch leaves at most one row in doubt. One commit per
row, and the batch loaded at the start is not expired by it: the claim returns the row's attempt
number and one query re-reads what the patient or care team may have changed, so the checks
just before each send see the current patient and settings.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import lazyload
from sqlalchemy.orm.attributes import set_committed_value

from telehealth.accounts.models import User
from telehealth.common.time import utcnow, zone
from telehealth.extensions import db
from telehealth.patients.models import Patient
from telehealth.progress.adherence import daily_counts
from telehealth.reminders import channels as ch
from telehealth.reminders.messages import render, unsubscribe_page, unsubscribe_url
from telehealth.reminders.models import (
    Channel,
    Kind,
    Notification,
    PushSubscription,
    ReminderSettings,
    Status,
)
from telehealth.reminders.schedule import after_quiet_hours, in_quiet_hours, local_date

log = logging.getLogger(__name__)


@dataclass
class Context:
    notification: Notification
    patient: Patient
    user: User
    settings: ReminderSettings


# What the patient or the care team can change while a batch is out, re-read for each row just
# before it is sent: (model, columns), in the order of Context's patient, user and settings.
_MUTABLE: tuple[tuple[type, tuple[str, ...]], ...] = (
    (Patient, ("status", "timezone", "phone")),
    (User, ("first_name", "email")),
    (ReminderSettings, ("enabled", "channels", "quiet_hours_start", "quiet_hours_end")),
)


def _load(ids: list[uuid.UUID]) -> dict[uuid.UUID, Context]:
    rows = db.session.execute(
        select(Notification, Patient, User, ReminderSettings)
        .join(Patient, Patient.id == Notification.patient_id)
        .join(User, User.id == Patient.user_id)
        .join(ReminderSettings, ReminderSettings.patient_id == Patient.id)
        .where(Notification.id.in_(ids))
        # The user is selected already, and the care team is never read here.
        .options(lazyload(Patient.user), lazyload(Patient.care_team))
    ).all()
    return {n.id: Context(n, p, u, s) for n, p, u, s in rows}


def _reread(ctx: Context) -> None:
    """The patient's, user's and settings' current values, into the loaded objects (one query)."""
    columns = [getattr(model, name) for model, names in _MUTABLE for name in names]
    row = db.session.execute(
        select(*columns)
        .join(User, User.id == Patient.user_id)
        .join(ReminderSettings, ReminderSettings.patient_id == Patient.id)
        .where(Patient.id == ctx.patient.id)
    ).one()
    values = iter(row)
    for target, (_, names) in zip((ctx.patient, ctx.user, ctx.settings), _MUTABLE, strict=True):
        for name in names:
            set_committed_value(target, name, next(values))


def _complete_today(contexts: list[Context], now: datetime) -> set[uuid.UUID]:
    """Patients whose plan for the reminder's local day is already complete."""
    exercise = [c for c in contexts if c.notification.kind == Kind.EXERCISE]
    if not exercise:
        return set()
    # The occurrence is the local day the reminder is about, even when quiet hours pushed it past midnight.
    days = {c.patient.id: date.fromisoformat(c.notification.occurrence) for c in exercise}
    counts = daily_counts([c.patient for c in exercise], min(days.values()), max(days.values()))
    done: set[uuid.UUID] = set()
    for patient_id, per_day in counts.items():
        if any(count.date == days[patient_id] and count.complete for count in per_day):
            done.add(patient_id)
    return done


def _skip_reason(ctx: Context, complete: set[uuid.UUID], now: datetime) -> str | None:
    note, patient, settings = ctx.notification, ctx.patient, ctx.settings
    if not patient.is_active:
        return "The patient is discharged."
    if not settings.enabled:
        return "Reminders are turned off."
    if note.channel not in settings.channels:
        return f"The patient turned {note.channel} off."
    if note.kind == Kind.EXERCISE and patient.id in complete:
        return "Today's plan was already complete."
    if note.kind == Kind.SESSION:
        from telehealth.reminders.planner import visit_still_matches

        if not visit_still_matches(note):
            return "The visit was cancelled or moved."
    if note.channel == Channel.SMS:
        cap = current_app.config["REMINDER_SMS_DAILY_CAP"]
        if _sms_sent_today(patient, now) >= cap:
            return f"Daily SMS cap ({cap}) reached."
    return None


def _sms_sent_today(patient: Patient, now: datetime) -> int:
    local_midnight = datetime.combine(local_date(now, patient.timezone), datetime.min.time())
    start = local_midnight.replace(tzinfo=zone(patient.timezone))
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(
                Notification.patient_id == patient.id,
                Notification.channel == Channel.SMS,
                Notification.status == Status.SENT,
                Notification.sent_at >= start,
            )
        )
        or 0
    )


def _claim(note: Notification, now: datetime) -> bool:
    """queued -> sending, committed (with the previous row's outcome) before anything is sent."""
    attempts = db.session.execute(
        update(Notification)
        .where(Notification.id == note.id, Notification.status == Status.QUEUED)
        .values(
            status=Status.SENDING,
            attempts=Notification.attempts + 1,
            status_changed_at=now,
            updated_at=now,
        )
        .returning(Notification.attempts)
        # The claimed row's new values come back here; nothing else in the batch needs matching.
        .execution_options(synchronize_session=False)
    ).scalar()
    db.session.commit()
    if attempts is None:
        return False
    set_committed_value(note, "status", Status.SENDING)
    set_committed_value(note, "attempts", attempts)
    return True


def _finish(note: Notification, status: Status, now: datetime, **values: object) -> None:
    """Record the outcome of the attempt this worker claimed; the next claim, or the end of the
    batch, commits it, before any other row is sent.

    Matching on the attempt number rather than on `sending` alone: if the stuck-row recovery
    re-queued the row while this send was slow, the outcome still lands and the re-queued
    copy finds the row settled instead of sending it again.
    """
    db.session.execute(
        update(Notification)
        .where(
            Notification.id == note.id,
            Notification.status.in_([Status.SENDING, Status.QUEUED]),
            Notification.attempts == note.attempts,
        )
        .values(status=status, status_changed_at=now, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )


def _retry_or_fail(note: Notification, error: str, now: datetime) -> None:
    config = current_app.config
    attempts = note.attempts
    if attempts >= config["REMINDER_MAX_ATTEMPTS"]:
        _finish(note, Status.FAILED, now, error=f"{error} (gave up after {attempts} attempts)")
        return
    backoff = timedelta(seconds=config["REMINDER_RETRY_BASE_SECONDS"] * 2 ** (attempts - 1))
    _finish(note, Status.PENDING, now, error=error, next_attempt_at=now + backoff)


def deliver(ids: list[str] | list[uuid.UUID], now: datetime | None = None) -> dict[str, int]:
    """Send a batch of queued rows; returns a count per outcome."""
    note_ids = [uuid.UUID(str(i)) for i in ids]
    contexts = _load(note_ids)
    outcome = {"sent": 0, "failed": 0, "skipped": 0, "retry": 0, "not_mine": 0}
    senders: dict[str, ch.ChannelSender] = {}
    session = db.session()
    # Committing row by row must not expire the whole batch (every object reloaded, one query
    # each); _claim and _reread bring back what may have changed, for the one row being sent.
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        complete = _complete_today(list(contexts.values()), now or utcnow())
        for note_id in note_ids:
            ctx = contexts.get(note_id)
            moment = now or utcnow()
            if ctx is None or not _claim(ctx.notification, moment):
                outcome["not_mine"] += 1
                continue
            _reread(ctx)
            note, patient = ctx.notification, ctx.patient
            reason = _skip_reason(ctx, complete, moment)
            if reason:
                _finish(note, Status.SKIPPED, moment, error=reason)
                outcome["skipped"] += 1
                continue
            settings = ctx.settings
            if in_quiet_hours(moment, patient.timezone, settings.quiet_hours_start, settings.quiet_hours_end):
                later = after_quiet_hours(
                    moment, patient.timezone, settings.quiet_hours_start, settings.quiet_hours_end
                )
                # Not an attempt: give the attempt back and wait for the end of the quiet hours.
                _finish(note, Status.PENDING, moment, next_attempt_at=later, attempts=note.attempts - 1)
                outcome["retry"] += 1
                continue
            outcome[_send_one(ctx, senders, moment)] += 1
        db.session.commit()  # the last row's outcome
    except Exception:
        # Keep the outcome recorded for the row sent last (a failed session cannot: then that row
        # is the one left in doubt, resent under the same message id by the stuck-row recovery).
        with contextlib.suppress(SQLAlchemyError):
            db.session.commit()
        raise
    finally:
        session.expire_on_commit = expire_on_commit
        for sender in senders.values():
            sender.close()
    return outcome


def _send_one(ctx: Context, senders: dict[str, ch.ChannelSender], now: datetime) -> str:
    note, patient, user = ctx.notification, ctx.patient, ctx.user
    visit = None
    if note.kind == Kind.SESSION and note.visit_id is not None:
        from telehealth.visits.models import Visit

        visit = db.session.get(Visit, note.visit_id)
    message = render(
        note.kind,
        user.first_name,
        tz_name=patient.timezone,
        visit_id=note.visit_id,
        starts_at=visit.starts_at if visit is not None else None,
    )
    recipient = ch.Recipient(
        patient_id=patient.id,
        user_id=user.id,
        email=user.email,
        phone=patient.phone,
        unsubscribe_url=unsubscribe_url(patient.id, note.channel),
        unsubscribe_page=unsubscribe_page(patient.id, note.channel),
        push=list(db.session.scalars(select(PushSubscription).where(PushSubscription.user_id == user.id)))
        if note.channel == Channel.PUSH
        else [],
    )
    sender = senders.get(note.channel)
    if sender is None:
        sender = senders[note.channel] = ch.SENDERS[note.channel]()
    try:
        provider_id = sender.send(note.id, recipient, message)
    except ch.Transient as exc:
        _retry_or_fail(note, str(exc), now)
        return "retry"
    except ch.NotConfigured as exc:
        _finish(note, Status.SKIPPED, now, error=str(exc))
        return "skipped"
    except (ch.Permanent, ch.Ambiguous) as exc:
        _finish(note, Status.FAILED, now, error=str(exc))
        return "failed"
    _finish(note, Status.SENT, now, sent_at=now, provider_message_id=provider_id, error=None)
    return "sent"
