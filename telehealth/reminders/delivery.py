"""Sending a batch of claimed rows: queued -> sending -> sent | failed | skipped, each step a compare-and-set.

A redelivered task finds its rows no longer queued and does nothing twice. Each row's claim is
committed before it is sent, together with the previous row's outcome, so no other send happens
while an outcome waits: a worker killed mid-batch leaves at most one row in doubt. One commit per
row, on a session of the batch's own, on one connection (the shared one is left as it is): the claim
returns the row's attempt number and what the patient or care team may have changed, so the checks
just before each send see the current patient and settings. On PostgreSQL the claim, that read and
the previous row's outcome are one statement (on SQLite, three in that transaction). The batch is
plain values and the per-row statements are Core, built once.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from telehealth.accounts.models import User
from telehealth.common.time import utcnow, zone
from telehealth.common.tx import own_session, transaction
from telehealth.extensions import db
from telehealth.ops import metrics
from telehealth.patients.models import Patient, PatientStatus
from telehealth.progress.adherence import daily_counts
from telehealth.progress.models import ProgressLog
from telehealth.reminders import channels as ch
from telehealth.reminders.messages import render, unsubscribe_links
from telehealth.reminders.models import (
    Channel,
    Kind,
    Notification,
    PushSubscription,
    ReminderSettings,
    Status,
)
from telehealth.reminders.schedule import in_quiet_hours, local_date, send_time

log = logging.getLogger(__name__)


@dataclass
class Context:
    """A row of the batch and what sending it reads, as plain values (no ORM objects to build for
    each row); the claim refreshes the fields named in _CURRENT."""

    id: uuid.UUID
    patient_id: uuid.UUID
    user_id: uuid.UUID
    kind: str
    channel: str
    occurrence: str
    visit_id: uuid.UUID | None
    attempts: int
    # What the patient or the care team can change while a batch is out, re-read by each row's claim.
    patient_status: str
    timezone: str
    phone: str | None
    first_name: str
    email: str
    enabled: bool
    channels: list[str]
    quiet_hours_start: time | None
    quiet_hours_end: time | None


_CURRENT = (
    Patient.status.label("patient_status"),
    Patient.timezone,
    Patient.phone,
    User.first_name,
    User.email,
    ReminderSettings.enabled,
    ReminderSettings.channels,
    ReminderSettings.quiet_hours_start,
    ReminderSettings.quiet_hours_end,
)
_LOAD = (
    select(
        Notification.id,
        Notification.patient_id,
        Patient.user_id,
        Notification.kind,
        Notification.channel,
        Notification.occurrence,
        Notification.visit_id,
        Notification.attempts,
        *_CURRENT,
    )
    .join(Patient, Patient.id == Notification.patient_id)
    .join(User, User.id == Patient.user_id)
    .join(ReminderSettings, ReminderSettings.patient_id == Patient.id)
    .where(Notification.id.in_(bindparam("note_ids", expanding=True)))
)


def _load(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, Context]:
    rows = session.connection().execute(_LOAD, {"note_ids": ids})
    return {row.id: Context(**row._asdict()) for row in rows}


# The statements sent for every row are built once, here: SQLAlchemy then finds each compiled in
# its cache without building it and its cache key again, and they run on the session's connection
# as Core statements (no ORM bulk-update step, nothing to match in the session).
_REREAD = (
    select(*_CURRENT)
    .join(User, User.id == Patient.user_id)
    .join(ReminderSettings, ReminderSettings.patient_id == Patient.id)
    .where(Patient.id == bindparam("patient_id"))
)
_CLAIM = (
    update(Notification)
    .where(Notification.id == bindparam("note_id"), Notification.status == Status.QUEUED)
    .values(
        status=Status.SENDING,
        attempts=Notification.attempts + 1,
        status_changed_at=bindparam("moment"),
        updated_at=bindparam("moment"),
    )
    .returning(Notification.attempts)
)
# PostgreSQL claims the row and reads the current values in one statement (SQLite's RETURNING
# cannot name another table, so there it is the two above).
_CLAIM_AND_REREAD = _CLAIM.where(
    Patient.id == Notification.patient_id,
    User.id == Patient.user_id,
    ReminderSettings.patient_id == Patient.id,
).returning(*_CURRENT)
# The outcome of the attempt claimed: the row as claimed (its attempt number), and the columns to set.
_FINISH = update(Notification).where(
    Notification.id == bindparam("done_id"),
    or_(Notification.status == Status.SENDING, Notification.status == Status.QUEUED),
    Notification.attempts == bindparam("done_attempts"),
)
_OUTCOME = "telehealth.reminders.outcome"  # session.info: the outcome recorded, not yet sent


@functools.cache
def _outcome_statement(columns: tuple[str, ...]) -> Any:
    """The outcome's UPDATE, setting these columns from the parameters done_<column>."""
    return _FINISH.values({name: bindparam(f"done_{name}") for name in columns})


@functools.cache
def _claim_after_outcome(columns: tuple[str, ...]) -> Any:
    """PostgreSQL: the previous row's outcome, this row's claim and its current values, one statement."""
    return _CLAIM_AND_REREAD.add_cte(_outcome_statement(columns).cte("outcome"))


def _run(session: Session, statement: Any, parameters: dict[str, Any]) -> CursorResult[Any]:
    return session.connection().execute(statement, parameters)


def _complete_today(session: Session, contexts: list[Context]) -> set[uuid.UUID]:
    """Patients whose plan for the reminder's local day is already complete."""
    exercise = [c for c in contexts if c.kind == Kind.EXERCISE]
    if not exercise:
        return set()
    # The occurrence is the local day the reminder is about, even when quiet hours pushed it past midnight.
    days = {c.patient_id: date.fromisoformat(c.occurrence) for c in exercise}
    # A day with no log is not complete: only the patients who logged something are counted (their
    # programs loaded), the others cost one query for the whole batch.
    logged = _logged(session, exercise, days)
    if not logged:
        return set()
    patients = list(db.session.scalars(select(Patient).where(Patient.id.in_(logged))))
    counts = daily_counts(patients, min(days.values()), max(days.values()))
    done: set[uuid.UUID] = set()
    for patient_id, per_day in counts.items():
        if any(count.date == days[patient_id] and count.complete for count in per_day):
            done.add(patient_id)
    return done


def _logged(session: Session, contexts: list[Context], days: dict[uuid.UUID, date]) -> set[uuid.UUID]:
    """Of these patients, those with a progress log in the local day their reminder is about."""
    bounds = {}
    for ctx in contexts:
        start = datetime.combine(days[ctx.patient_id], datetime.min.time(), tzinfo=zone(ctx.timezone))
        bounds[ctx.patient_id] = (start, start + timedelta(days=1))
    rows = session.connection().execute(
        select(ProgressLog.patient_id, ProgressLog.performed_at).where(
            ProgressLog.patient_id.in_(list(bounds)),
            ProgressLog.performed_at >= min(start for start, _ in bounds.values()),
            ProgressLog.performed_at < max(end for _, end in bounds.values()),
        )
    )
    return {
        patient_id
        for patient_id, performed_at in rows
        if bounds[patient_id][0] <= performed_at < bounds[patient_id][1]
    }


def _skip_reason(session: Session, ctx: Context, complete: set[uuid.UUID], now: datetime) -> str | None:
    if ctx.patient_status != PatientStatus.ACTIVE:
        return "The patient is discharged."
    if not ctx.enabled:
        return "Reminders are turned off."
    if ctx.channel not in ctx.channels:
        return f"The patient turned {ctx.channel} off."
    if ctx.kind == Kind.EXERCISE and ctx.patient_id in complete:
        return "Today's plan was already complete."
    if ctx.kind == Kind.EXERCISE and local_date(now, ctx.timezone) > date.fromisoformat(ctx.occurrence):
        return "The day it was for is over."
    if ctx.kind == Kind.SESSION:
        from telehealth.reminders.planner import visit_still_matches

        if not visit_still_matches(ctx.visit_id, ctx.occurrence):
            return "The visit was cancelled or moved."
        if now > _visit(ctx).starts_at:  # it still matches, so it exists
            return "The visit has already started."
    if ctx.channel == Channel.SMS:
        cap = current_app.config["REMINDER_SMS_DAILY_CAP"]
        if _sms_sent_today(session, ctx, now) >= cap:
            return f"Daily SMS cap ({cap}) reached."
    return None


QUIET_HOURS_TOO_LATE: dict[str, str] = {
    Kind.EXERCISE: "Inside quiet hours that end on another day; an exercise reminder keeps to its day.",
    Kind.SESSION: "Inside quiet hours that end after the visit starts.",
    Kind.INACTIVITY: "Inside quiet hours.",
}


def _visit(ctx: Context) -> Any:
    from telehealth.visits.models import Visit

    return db.session.get(Visit, ctx.visit_id) if ctx.visit_id is not None else None


def _after_quiet_hours(ctx: Context, now: datetime) -> datetime | None:
    """A row caught by quiet hours at send time goes when the planner's rule says (schedule.send_time):
    at their end, unless that is past its visit's start or its own day; None when not at all."""
    visit = _visit(ctx) if ctx.kind == Kind.SESSION else None
    when = send_time(
        now,
        ctx.timezone,
        ctx.quiet_hours_start,
        ctx.quiet_hours_end,
        day=date.fromisoformat(ctx.occurrence) if ctx.kind == Kind.EXERCISE else None,
        not_after=visit.starts_at if visit is not None else None,
    )
    # Inside the quiet hours now, an earlier moment (before they began) has passed.
    return when if when is not None and when > now else None


def _sms_sent_today(session: Session, ctx: Context, now: datetime) -> int:
    local_midnight = datetime.combine(local_date(now, ctx.timezone), datetime.min.time())
    start = local_midnight.replace(tzinfo=zone(ctx.timezone))
    return (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(
                Notification.patient_id == ctx.patient_id,
                Notification.channel == Channel.SMS,
                Notification.status == Status.SENT,
                Notification.sent_at >= start,
            )
        )
        or 0
    )


def _claim(session: Session, ctx: Context, now: datetime) -> bool:
    """queued -> sending, committed (with the previous row's outcome) before anything is sent; the
    patient's, user's and settings' current values come back with it, into the row's fields."""
    with transaction(session):
        current = _claimed(session, ctx, now)
    if current is None:
        return False
    for name, value in current.items():
        setattr(ctx, name, value)
    return True


def _claimed(session: Session, ctx: Context, now: datetime) -> dict[str, Any] | None:
    """The previous row's outcome written, then the new attempt number and the current values, or
    None when the row is no longer queued."""
    parameters = {"note_id": ctx.id, "moment": now}
    connection = session.connection()
    outcome = session.info.pop(_OUTCOME, None)
    if connection.dialect.name == "postgresql":
        # A batch's ids are distinct (one scan's claim), so the two UPDATEs change different rows.
        statement = _CLAIM_AND_REREAD
        if outcome is not None:
            statement = _claim_after_outcome(outcome[0])
            parameters.update(outcome[1])
        row = connection.execute(statement, parameters).first()
        return row._asdict() if row is not None else None
    if outcome is not None:
        connection.execute(_outcome_statement(outcome[0]), outcome[1])
    attempts = connection.execute(_CLAIM, parameters).scalar()
    if attempts is None:
        return None
    return {
        "attempts": attempts,
        **connection.execute(_REREAD, {"patient_id": ctx.patient_id}).one()._asdict(),
    }


def _finish(session: Session, ctx: Context, status: Status, now: datetime, **values: object) -> None:
    """Record the outcome of the attempt this worker claimed; the next claim writes and commits it
    (in the same statement on PostgreSQL), or the end of the batch does, before any other row is sent.

    Matching on the attempt number rather than on `sending` alone: if the stuck-row recovery
    re-queued the row while this send was slow, the outcome still lands and the re-queued
    copy finds the row settled instead of sending it again.
    """
    columns = {"status": status, "status_changed_at": now, "updated_at": now, **values}
    parameters = {f"done_{name}": value for name, value in columns.items()}
    parameters.update(done_id=ctx.id, done_attempts=ctx.attempts)
    session.info[_OUTCOME] = (tuple(columns), parameters)


def _retry_or_fail(session: Session, ctx: Context, error: str, now: datetime) -> None:
    config = current_app.config
    attempts = ctx.attempts
    if attempts >= config["REMINDER_MAX_ATTEMPTS"]:
        _finish(session, ctx, Status.FAILED, now, error=f"{error} (gave up after {attempts} attempts)")
        return
    backoff = timedelta(seconds=config["REMINDER_RETRY_BASE_SECONDS"] * 2 ** (attempts - 1))
    _finish(session, ctx, Status.PENDING, now, error=error, next_attempt_at=now + backoff)


def deliver(ids: list[str] | list[uuid.UUID], now: datetime | None = None) -> dict[str, int]:
    """Send a batch of queued rows; returns a count per outcome."""
    note_ids = [uuid.UUID(str(i)) for i in ids]
    outcome = {"sent": 0, "failed": 0, "skipped": 0, "retry": 0, "not_mine": 0}
    senders: dict[str, ch.ChannelSender] = {}
    # One connection for the batch: no pool checkout (and ping) for each row's transaction. The
    # batch is plain values, so committing row by row expires nothing; each claim brings back
    # what may have changed, for the one row being sent.
    with db.engine.connect() as connection, own_session(connection, expire_on_commit=False) as session:
        contexts = _load(session, note_ids)
        try:
            complete = _complete_today(session, list(contexts.values()))
            for note_id in note_ids:
                ctx = contexts.get(note_id)
                moment = now or utcnow()
                if ctx is None or not _claim(session, ctx, moment):
                    outcome["not_mine"] += 1
                    continue
                outcome[_step(session, ctx, complete, senders, moment)] += 1
        except Exception:
            # Keep the outcome recorded for the row sent last (a failed session cannot: then that row
            # is the one left in doubt, resent under the same message id by the stuck-row recovery).
            with contextlib.suppress(SQLAlchemyError):
                _settle(session)
            raise
        finally:
            for sender in senders.values():
                sender.close()
        _settle(session)
    return outcome


def _settle(session: Session) -> None:
    """Write and commit the outcome recorded last: each claim commits the one before it, the end of
    the batch this."""
    outcome = session.info.pop(_OUTCOME, None)
    with transaction(session):
        if outcome is not None:
            _run(session, _outcome_statement(outcome[0]), outcome[1])


def _step(
    session: Session,
    ctx: Context,
    complete: set[uuid.UUID],
    senders: dict[str, ch.ChannelSender],
    moment: datetime,
) -> str:
    """One claimed row: skip it, move it past quiet hours, or send it; returns the outcome's name."""
    reason = _skip_reason(session, ctx, complete, moment)
    if reason:
        _finish(session, ctx, Status.SKIPPED, moment, error=reason)
        return "skipped"
    if in_quiet_hours(moment, ctx.timezone, ctx.quiet_hours_start, ctx.quiet_hours_end):
        later = _after_quiet_hours(ctx, moment)
        if later is None:
            _finish(session, ctx, Status.SKIPPED, moment, error=QUIET_HOURS_TOO_LATE[ctx.kind])
            return "skipped"
        # Not an attempt: give the attempt back; the send moves, and is late only from there.
        _finish(
            session,
            ctx,
            Status.PENDING,
            moment,
            next_attempt_at=later,
            scheduled_for=later,
            attempts=ctx.attempts - 1,
        )
        return "retry"
    return _send_one(session, ctx, senders, moment)


def _send_one(session: Session, ctx: Context, senders: dict[str, ch.ChannelSender], now: datetime) -> str:
    visit = _visit(ctx) if ctx.kind == Kind.SESSION else None
    message = render(
        ctx.kind,
        ctx.first_name,
        tz_name=ctx.timezone,
        visit_id=ctx.visit_id,
        starts_at=visit.starts_at if visit is not None else None,
    )
    one_click, page = unsubscribe_links(ctx.patient_id, ctx.channel)
    recipient = ch.Recipient(
        patient_id=ctx.patient_id,
        user_id=ctx.user_id,
        email=ctx.email,
        phone=ctx.phone,
        unsubscribe_url=one_click,
        unsubscribe_page=page,
        push=list(session.scalars(select(PushSubscription).where(PushSubscription.user_id == ctx.user_id)))
        if ctx.channel == Channel.PUSH
        else [],
    )
    sender = senders.get(ctx.channel)
    if sender is None:
        sender = senders[ctx.channel] = ch.SENDERS[ctx.channel]()
    try:
        provider_id = sender.send(ctx.id, recipient, message)
    except ch.Transient as exc:
        metrics.delivery_attempted(ctx.channel, "transient")
        _retry_or_fail(session, ctx, str(exc), now)
        return "retry"
    except ch.NotConfigured as exc:
        metrics.delivery_attempted(ctx.channel, "not_configured")
        _finish(session, ctx, Status.SKIPPED, now, error=str(exc))
        return "skipped"
    except (ch.Permanent, ch.Ambiguous) as exc:
        metrics.delivery_attempted(ctx.channel, "ambiguous" if isinstance(exc, ch.Ambiguous) else "permanent")
        _finish(session, ctx, Status.FAILED, now, error=str(exc))
        return "failed"
    metrics.delivery_attempted(ctx.channel, "sent")
    _finish(session, ctx, Status.SENT, now, sent_at=now, provider_message_id=provider_id, error=None)
    return "sent"
