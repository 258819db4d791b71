"""Video visits: booking without double booking, the status lifecycle, joining and the calendar file."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, true
from sqlalchemy.orm import joinedload

from telehealth.accounts import service as accounts
from telehealth.accounts.models import Role, Therapist, User
from telehealth.common import events
from telehealth.common.pagination import Page, paginate
from telehealth.common.time import utcnow
from telehealth.common.tx import hold_sqlite_write_lock
from telehealth.errors import Conflict, Forbidden, NotFound, ValidationFailed
from telehealth.extensions import db
from telehealth.patients import service as patients
from telehealth.patients.models import Patient
from telehealth.visits import calendar, video
from telehealth.visits.models import (
    ACTIVE_STATUSES,
    JOIN_OPENS_BEFORE,
    JOIN_OPENS_BEFORE_MINUTES,
    Visit,
    VisitStatus,
)

# Bookings further out are almost surely typos, and would overflow the calendar near year 9999.
BOOKING_HORIZON = timedelta(days=730)
# A join link outlives the scheduled end a little, for a visit that runs over.
JOIN_GRACE = timedelta(minutes=15)

TRANSITIONS: dict[str, frozenset[VisitStatus]] = {
    VisitStatus.SCHEDULED: frozenset({VisitStatus.IN_PROGRESS, VisitStatus.CANCELLED, VisitStatus.NO_SHOW}),
    VisitStatus.IN_PROGRESS: frozenset({VisitStatus.COMPLETED}),
}


# --- scope ---------------------------------------------------------------------------


def participant_filter(user: User) -> Any:
    """A WHERE clause limiting Visit rows to the caller's own: their visits, or all for admins."""
    if user.role == Role.ADMIN:
        return true()
    if user.role == Role.THERAPIST:
        return Visit.therapist_id.in_(select(Therapist.id).where(Therapist.user_id == user.id))
    return Visit.patient_id.in_(select(Patient.id).where(Patient.user_id == user.id))


def get_visible_visit(user: User, visit_id: uuid.UUID) -> Visit:
    visit = db.session.scalar(select(Visit).where(Visit.id == visit_id, participant_filter(user)))
    if visit is None:
        raise NotFound("No such visit.")
    return visit


def find_visit(visit_id: uuid.UUID) -> Visit | None:
    """A visit by id with both participants, for the worker (which acts for nobody in particular)."""
    return db.session.get(Visit, visit_id, options=[joinedload(Visit.patient), joinedload(Visit.therapist)])


def visit_owner(visit_id: uuid.UUID) -> uuid.UUID | None:
    """Whose visit an id is, whoever asks: for filing refused attempts in the audit trail."""
    return db.session.scalar(select(Visit.patient_id).where(Visit.id == visit_id))


def list_visits(
    user: User,
    *,
    start: datetime | None,
    end: datetime | None,
    status: str | None,
    patient_id: uuid.UUID | None,
    page: int,
    per_page: int,
) -> Page:
    """The caller's visits by start; from/to keep those overlapping that span, as a calendar shows them."""
    stmt = select(Visit).where(participant_filter(user)).order_by(Visit.starts_at, Visit.id)
    if start is not None:
        stmt = stmt.where(Visit.ends_at > start)
    if end is not None:
        stmt = stmt.where(Visit.starts_at < end)
    if status:
        stmt = stmt.where(Visit.status == status)
    if patient_id is not None:
        stmt = stmt.where(Visit.patient_id == patient_id)
    return paginate(stmt, page, per_page)


def listed_patient_id(user: User, patient_id: uuid.UUID | None) -> uuid.UUID | None:
    """Whose visits a list shows, for the audit trail: the patient asked for, or the patient asking."""
    if patient_id is not None or user.role != Role.PATIENT:
        return patient_id
    own = patients.patient_for_user(user)
    return own.id if own else None


# --- booking -------------------------------------------------------------------------


def schedule(
    actor: User,
    *,
    patient_id: uuid.UUID | None,
    starts_at: datetime,
    duration_minutes: int | None,
    kind: str,
    therapist_id: uuid.UUID | None = None,
) -> Visit:
    """Staff book a visit of a patient they can see (patients book through telehealth.scheduling)."""
    missing = {
        name: ["is required when staff book a visit"]
        for name, value in (("patient_id", patient_id), ("duration_minutes", duration_minutes))
        if value is None
    }
    if missing or patient_id is None or duration_minutes is None:
        raise ValidationFailed(missing)
    patient = patients.get_visible_patient(actor, patient_id)
    therapist_id = _booking_therapist(actor, patient, therapist_id)
    return book(patient, therapist_id, starts_at, duration_minutes, kind)


def book(
    patient: Patient,
    therapist_id: uuid.UUID,
    starts_at: datetime,
    duration_minutes: int,
    kind: str,
    *,
    also_check: Callable[[datetime, datetime], None] | None = None,
) -> Visit:
    """Book a visit once nobody can race it: both participants are locked, then every rule checked.

    `also_check(starts_at, ends_at)` adds a caller's rule, run under the same locks (a patient's
    booking must fall in an open slot; an accepted screening must not take another's hold).
    """
    if not patient.is_active:
        raise Conflict("The patient is discharged; no visits can be booked.")
    starts_at, ends_at = _window(starts_at, duration_minutes)
    lock_participants(therapist_id, patient.id)
    if also_check is not None:
        also_check(starts_at, ends_at)
    _ensure_free(therapist_id, patient.id, starts_at, ends_at)
    visit = Visit(
        patient_id=patient.id,
        therapist_id=therapist_id,
        starts_at=starts_at,
        ends_at=ends_at,
        duration_minutes=duration_minutes,
        kind=kind,
        status=VisitStatus.SCHEDULED,
    )
    db.session.add(visit)
    return _saved(visit)


def reschedule(
    visit: Visit, *, starts_at: datetime | None = None, duration_minutes: int | None = None
) -> Visit:
    lock_participants(visit.therapist_id, visit.patient_id)
    _lock(visit)
    if visit.status != VisitStatus.SCHEDULED:
        raise Conflict(f"Only a scheduled visit can be rescheduled; this one is {visit.status}.")
    duration = visit.duration_minutes if duration_minutes is None else duration_minutes
    if starts_at is None:
        # A new length alone keeps the start, even one already past.
        new_start, new_end = visit.starts_at, visit.starts_at + timedelta(minutes=duration)
    else:
        new_start, new_end = _window(starts_at, duration)
    if (new_start, new_end) == (visit.starts_at, visit.ends_at):
        return visit
    _ensure_free(visit.therapist_id, visit.patient_id, new_start, new_end, except_id=visit.id)
    visit.starts_at, visit.ends_at, visit.duration_minutes = new_start, new_end, duration
    visit.sequence += 1
    return _saved(visit)


def _booking_therapist(actor: User, patient: Patient, therapist_id: uuid.UUID | None) -> uuid.UUID:
    if actor.role == Role.THERAPIST:
        own = accounts.therapist_id_of(actor)
        if own is None:
            raise Forbidden("This therapist account has no therapist profile.")
        if therapist_id is not None and therapist_id != own:
            raise ValidationFailed.field("therapist_id", "a therapist books their own visits; leave it out")
        return own
    if therapist_id is None:
        raise ValidationFailed.field("therapist_id", "an admin must name the therapist who sees the patient")
    if therapist_id not in patient.therapist_ids:
        raise ValidationFailed.field("therapist_id", "is not on this patient's care team")
    return therapist_id


def _window(starts_at: datetime, duration_minutes: int) -> tuple[datetime, datetime]:
    """Start and end as UTC instants: adding real minutes keeps the length across a DST change."""
    now = utcnow()
    if starts_at <= now:
        raise ValidationFailed.field("starts_at", "must be in the future")
    if starts_at > now + BOOKING_HORIZON:
        raise ValidationFailed.field("starts_at", f"must be within {BOOKING_HORIZON.days} days")
    starts_at = starts_at.astimezone(UTC)
    return starts_at, starts_at + timedelta(minutes=duration_minutes)


def lock_participants(therapist_id: uuid.UUID, patient_id: uuid.UUID | None = None) -> None:
    """Lock both participants' rows until commit, so racing bookings check for overlaps one at a time.

    Always therapist first, then patient, so two bookings never wait on each other in a circle.
    NO KEY UPDATE leaves rows that merely reference them (foreign keys) free to be written.
    SQLite has no row locks: there the whole database's write lock is taken instead.
    """
    hold_sqlite_write_lock(db.session(), Therapist.__table__)
    db.session.execute(
        select(Therapist.id).where(Therapist.id == therapist_id).with_for_update(key_share=True)
    )
    if patient_id is not None:
        db.session.execute(select(Patient.id).where(Patient.id == patient_id).with_for_update(key_share=True))


def _ensure_free(
    therapist_id: uuid.UUID,
    patient_id: uuid.UUID,
    starts_at: datetime,
    ends_at: datetime,
    *,
    except_id: uuid.UUID | None = None,
) -> None:
    stmt = select(Visit.therapist_id).where(
        Visit.status.in_(ACTIVE_STATUSES),
        or_(Visit.therapist_id == therapist_id, Visit.patient_id == patient_id),
        # Half-open spans: a visit may begin the minute the previous one ends.
        Visit.starts_at < ends_at,
        Visit.ends_at > starts_at,
    )
    if except_id is not None:
        stmt = stmt.where(Visit.id != except_id)
    clash = db.session.scalar(stmt.limit(1))
    if clash is None:
        return
    who = "therapist" if clash == therapist_id else "patient"
    raise Conflict(
        f"The {who} already has a visit at that time.",
        errors={"starts_at": [f"overlaps another scheduled or in-progress visit of the {who}"]},
    )


# --- the lifecycle -------------------------------------------------------------------


def cancel(actor: User, visit: Visit, reason: str | None) -> Visit:
    _begin_transition(visit, VisitStatus.CANCELLED)
    visit.status = VisitStatus.CANCELLED
    visit.cancelled_at = utcnow()
    visit.cancelled_by_id = actor.id
    visit.cancel_reason = reason
    # Calendar apps take a cancellation only with a higher SEQUENCE (RFC 5546).
    visit.sequence += 1
    return _saved(visit)


def start(visit: Visit) -> Visit:
    _begin_transition(visit, VisitStatus.IN_PROGRESS)
    now = utcnow()
    if now < visit.starts_at - JOIN_OPENS_BEFORE:
        raise Conflict(f"A visit can be started from {JOIN_OPENS_BEFORE_MINUTES} minutes before its start.")
    visit.status = VisitStatus.IN_PROGRESS
    visit.started_at = now
    return _saved(visit)


def complete(visit: Visit, notes: dict[str, str]) -> Visit:
    _begin_transition(visit, VisitStatus.COMPLETED)
    visit.status = VisitStatus.COMPLETED
    visit.completed_at = utcnow()
    visit.note_subjective = notes["subjective"]
    visit.note_objective = notes["objective"]
    visit.note_assessment = notes["assessment"]
    visit.note_plan = notes["plan"]
    return _saved(visit)


def mark_no_show(visit: Visit) -> Visit:
    _begin_transition(visit, VisitStatus.NO_SHOW)
    now = utcnow()
    if now < visit.starts_at:
        raise Conflict("A patient can be marked as a no-show only after the start time.")
    visit.status = VisitStatus.NO_SHOW
    visit.no_show_at = now
    return _saved(visit)


def _begin_transition(visit: Visit, to: VisitStatus) -> None:
    _lock(visit)
    if to not in TRANSITIONS.get(visit.status, frozenset()):
        raise Conflict(f"A {visit.status} visit cannot become {to}.")


def _lock(visit: Visit) -> None:
    """Re-read the visit under a row lock, so two racing changes see each other's outcome."""
    hold_sqlite_write_lock(db.session(), Visit.__table__)
    db.session.refresh(visit, with_for_update={"key_share": True})


def _saved(visit: Visit) -> Visit:
    db.session.flush()
    events.visit_changed.send(visit)
    return visit


# --- joining and the calendar ----------------------------------------------------------


@dataclass(frozen=True)
class JoinLink:
    url: str
    expires_at: datetime


def join_link(user: User, visit: Visit) -> JoinLink:
    """The room link for a participant (the policy admits only the visit's therapist and patient):
    from shortly before the start until the scheduled end, and at any time while the visit is in
    progress, so a participant who drops out of a visit that runs over can come back."""
    if visit.status not in ACTIVE_STATUSES:
        raise Conflict(f"This visit is {visit.status}; there is nothing to join.")
    now = utcnow()
    if visit.status != VisitStatus.IN_PROGRESS:
        if now < visit.starts_at - JOIN_OPENS_BEFORE:
            raise Conflict(f"The room opens {JOIN_OPENS_BEFORE_MINUTES} minutes before the start.")
        if now >= visit.ends_at:
            raise Conflict("This visit has ended.")
    expires_at = max(visit.ends_at, now) + JOIN_GRACE
    participant = video.Participant(
        id=str(user.id),
        name=f"{user.first_name} {user.last_name}",
        moderator=user.role == Role.THERAPIST,
    )
    return JoinLink(video.configured_provider().join_url(visit.room, participant, expires_at), expires_at)


def calendar_file(user: User, visit: Visit) -> bytes:
    return calendar.visit_ics(visit, user.role)
