"""Availability, open slots and patients booking their own follow-ups.

A slot is open when the therapist's hours offer it and no scheduled or in-progress visit, and no
screening request holding it, overlaps it; from BOOKING_LEAD_MINUTES ahead up to SLOT_HORIZON.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, or_, select

from telehealth.accounts import service as accounts
from telehealth.accounts.models import Role, Therapist, User
from telehealth.common.time import utcnow
from telehealth.errors import Conflict, Forbidden, NotFound, Unauthenticated, ValidationFailed
from telehealth.extensions import db
from telehealth.patients import service as patients
from telehealth.patients.models import Patient
from telehealth.scheduling import slots as slot_math
from telehealth.scheduling.models import Availability, ScreeningRequest, ScreeningStatus
from telehealth.visits import service as visits
from telehealth.visits.models import ACTIVE_STATUSES, Visit, VisitKind

SELF_BOOKED_KIND = VisitKind.FOLLOW_UP


def enabled(setting: str) -> None:
    """A switched-off feature's endpoints answer 404, as if they did not exist."""
    if not current_app.config[setting]:
        raise NotFound("This service is not offered.")


def lead() -> timedelta:
    return timedelta(minutes=current_app.config["BOOKING_LEAD_MINUTES"])


# --- availability ----------------------------------------------------------------------


def get_visible_therapist(user: User, therapist_id: uuid.UUID) -> Therapist:
    """A therapist's own record, or any for admins; patients find one only to be refused by role."""
    therapist = db.session.get(Therapist, therapist_id)
    if therapist is None or (user.role == Role.THERAPIST and therapist.user_id != user.id):
        raise NotFound("No such therapist.")
    return therapist


@dataclass(frozen=True)
class AvailabilityView:
    therapist_id: uuid.UUID
    timezone: str
    weekly: list[dict[str, Any]]
    exceptions: list[dict[str, Any]]
    updated_at: datetime | None


def availability_of(therapist: Therapist) -> AvailabilityView:
    row = db.session.get(Availability, therapist.id)
    if row is None:
        return AvailabilityView(therapist.id, current_app.config["CLINIC_TIMEZONE"], [], [], None)
    return AvailabilityView(row.therapist_id, row.timezone, row.weekly, row.exceptions, row.updated_at)


def set_availability(
    therapist: Therapist, *, timezone: str, weekly: list[dict[str, Any]], exceptions: list[dict[str, Any]]
) -> AvailabilityView:
    """Replace the therapist's hours. Booked visits stay; only slots offered from now on change."""
    row = db.session.get(Availability, therapist.id)
    if row is None:
        row = Availability(therapist_id=therapist.id)
        db.session.add(row)
    row.timezone, row.weekly, row.exceptions = timezone, weekly, exceptions
    row.updated_at = utcnow()
    db.session.flush()
    return availability_of(therapist)


# --- slots -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenSlot:
    therapist_id: uuid.UUID
    therapist_name: str
    starts_at: datetime
    ends_at: datetime
    kind: str


def active_holds(now: datetime) -> Any:
    """Screening requests holding their slot: unconfirmed within the hold, or confirmed and waiting."""
    return and_(
        ScreeningRequest.therapist_id.is_not(None),
        ScreeningRequest.starts_at.is_not(None),
        or_(
            ScreeningRequest.status == ScreeningStatus.REQUESTED,
            and_(
                ScreeningRequest.status == ScreeningStatus.UNCONFIRMED,
                ScreeningRequest.hold_expires_at > now,
            ),
        ),
    )


def _busy(
    therapist_id: uuid.UUID, start: datetime, end: datetime, now: datetime, except_request: uuid.UUID | None
) -> list[tuple[datetime, datetime]]:
    visits_rows = db.session.execute(
        select(Visit.starts_at, Visit.ends_at).where(
            Visit.therapist_id == therapist_id,
            Visit.status.in_(ACTIVE_STATUSES),
            Visit.starts_at < end,
            Visit.ends_at > start,
        )
    ).all()
    holds = select(ScreeningRequest.starts_at, ScreeningRequest.ends_at).where(
        ScreeningRequest.therapist_id == therapist_id,
        active_holds(now),
        ScreeningRequest.starts_at < end,
        ScreeningRequest.ends_at > start,
    )
    if except_request is not None:
        holds = holds.where(ScreeningRequest.id != except_request)
    return [(a, b) for a, b in visits_rows] + [(a, b) for a, b in db.session.execute(holds).all()]


def open_slots_of(
    therapist_ids: Iterable[uuid.UUID],
    kind: str,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    except_request: uuid.UUID | None = None,
) -> list[OpenSlot]:
    """Open slots of these therapists, clamped to [now + lead, now + horizon), by start."""
    now = utcnow()
    earliest, latest = now + lead(), now + current_app.config["SLOT_HORIZON"]
    start = max(start or earliest, earliest)
    end = min(end or latest, latest)
    if end <= start:
        return []
    rows = db.session.scalars(select(Availability).where(Availability.therapist_id.in_(list(therapist_ids))))
    found: list[OpenSlot] = []
    length = slot_math.DURATIONS[kind]
    for row in rows:
        busy = _busy(row.therapist_id, start - length, end + length, now, except_request)
        name = f"{row.therapist.first_name} {row.therapist.last_name}"
        for slot in slot_math.open_slots(
            timezone=row.timezone,
            weekly=row.weekly,
            exceptions=row.exceptions,
            kind=kind,
            start=start,
            end=end,
            busy=busy,
        ):
            found.append(OpenSlot(row.therapist_id, name, slot.starts_at, slot.ends_at, kind))
    found.sort(key=lambda s: (s.starts_at, s.therapist_name, str(s.therapist_id)))
    return found


def is_open(
    therapist_id: uuid.UUID, kind: str, starts_at: datetime, *, except_request: uuid.UUID | None = None
) -> bool:
    window = open_slots_of(
        [therapist_id], kind, starts_at, starts_at + timedelta(seconds=1), except_request=except_request
    )
    return any(slot.starts_at == starts_at for slot in window)


def _slot_not_open() -> Conflict:
    return Conflict(
        "That slot is not open.", errors={"starts_at": ["is not an open slot; list GET /slots for open ones"]}
    )


def list_slots(
    user: User | None,
    *,
    kind: str,
    start: datetime | None,
    end: datetime | None,
    therapist_id: uuid.UUID | None,
) -> list[OpenSlot]:
    """Screening slots for anyone; follow-ups for a patient with their care team; any kind for staff."""
    if user is None or user.role == Role.PATIENT:
        if kind == VisitKind.SCREENING:
            if user is None:
                enabled("SCREENING_REQUESTS_ENABLED")
            therapists = _all_therapists()
        elif user is None:
            raise Unauthenticated("Sign in as a patient to see follow-up slots.")
        elif kind == VisitKind.FOLLOW_UP:
            enabled("SELF_BOOKING_ENABLED")
            patient = patients.patient_for_user(user)
            therapists = patient.therapist_ids if patient is not None and patient.is_active else []
        else:
            raise Forbidden("Patients book follow-ups; the clinic books other visits.")
    elif user.role == Role.THERAPIST:
        own = accounts.therapist_id_of(user)
        # Screenings are the clinic's; the other kinds a therapist books with their own patients.
        therapists = _all_therapists() if kind == VisitKind.SCREENING else [own] if own else []
    else:
        therapists = _all_therapists()
    if therapist_id is not None:
        therapists = [t for t in therapists if t == therapist_id]
    return open_slots_of(therapists, kind, start, end)


def _all_therapists() -> list[uuid.UUID]:
    return list(db.session.scalars(select(Availability.therapist_id)))


# --- self-booking ------------------------------------------------------------------------


def book_follow_up(
    user: User,
    *,
    starts_at: datetime,
    kind: str,
    patient_id: uuid.UUID | None = None,
    duration_minutes: int | None = None,
    therapist_id: uuid.UUID | None = None,
) -> Visit:
    """A patient books a follow-up with their own therapist, into an open slot (API.md POST /sessions)."""
    enabled("SELF_BOOKING_ENABLED")
    patient = patients.patient_for_user(user)
    if patient is None or (patient_id is not None and patient_id != patient.id):
        raise NotFound("No such patient.")
    if kind != SELF_BOOKED_KIND:
        raise ValidationFailed.field("kind", "patients book follow_up visits")
    length = int(slot_math.DURATIONS[SELF_BOOKED_KIND].total_seconds() // 60)
    if duration_minutes is not None and duration_minutes != length:
        raise ValidationFailed.field("duration_minutes", f"a follow-up is {length} minutes; leave it out")
    team = patient.therapist_ids
    if therapist_id is not None and therapist_id not in team:
        raise ValidationFailed.field("therapist_id", "is not on your care team")
    candidates = [therapist_id] if therapist_id is not None else team
    # With several therapists on the team, the slot names whose it is: the first one offering it.
    chosen = next((t for t in candidates if is_open(t, SELF_BOOKED_KIND, starts_at)), None)
    if chosen is None:
        raise _slot_not_open()

    def still_open(start: datetime, end: datetime) -> None:
        # Checked again under the therapist's lock: of racing bookings, one finds it open.
        if not is_open(chosen, SELF_BOOKED_KIND, start):
            raise _slot_not_open()

    return visits.book(patient, chosen, starts_at, length, SELF_BOOKED_KIND, also_check=still_open)


def patient_of_user(user: User) -> Patient | None:
    return patients.patient_for_user(user)
