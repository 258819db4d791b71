"""Free screening requests: a public request, a confirmed email, and staff who accept or decline.

Double opt-in: nothing reaches staff until the person opens the emailed link, so nobody books in
another's name; an unconfirmed request holds its slot for SCREENING_HOLD only. Personal data of
requests never confirmed is deleted after 7 days, of declined ones 30 days after the decision.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, delete, or_, select, update

from telehealth import jobs
from telehealth.accounts import service as accounts
from telehealth.accounts.models import Role, Therapist, User
from telehealth.common.pagination import Page, paginate
from telehealth.common.time import utcnow
from telehealth.common.tx import hold_sqlite_write_lock
from telehealth.errors import Conflict, NotFound, ValidationFailed
from telehealth.extensions import db
from telehealth.patients import service as patients
from telehealth.patients.models import Patient
from telehealth.scheduling import service as scheduling
from telehealth.scheduling.models import ScreeningRequest, ScreeningStatus
from telehealth.scheduling.slots import DURATIONS
from telehealth.visits import service as visits
from telehealth.visits.models import Visit, VisitKind

UNCONFIRMED_KEPT = timedelta(days=7)
DECLINED_KEPT = timedelta(days=30)
SCREENING_MINUTES = int(DURATIONS[VisitKind.SCREENING].total_seconds() // 60)
BAD_LINK = "is invalid, expired or already used"


# --- the public request ------------------------------------------------------------------


def request_screening(
    *,
    first_name: str,
    last_name: str,
    email: str,
    timezone: str,
    phone: str | None = None,
    date_of_birth: date | None = None,
    conditions: list[str] | None = None,
    red_flags: list[str] | None = None,
    message: str | None = None,
    slot: dict[str, Any] | None = None,
) -> ScreeningRequest:
    """An unconfirmed request, its slot held; the worker emails the confirmation link."""
    scheduling.enabled("SCREENING_REQUESTS_ENABLED")
    now = utcnow()
    config = current_app.config
    request = ScreeningRequest(
        id=uuid.uuid4(),
        status=ScreeningStatus.UNCONFIRMED,
        first_name=first_name,
        last_name=last_name,
        email=accounts.normalize_email(email),
        phone=phone,
        timezone=timezone,
        date_of_birth=date_of_birth,
        conditions=sorted(set(conditions or [])),
        red_flags=sorted(set(red_flags or [])),
        urgent=bool(red_flags),
        message=message,
        confirm_expires_at=now + config["SCREENING_CONFIRM_LIFETIME"],
    )
    if slot is not None:
        therapist_id, starts_at = slot["therapist_id"], slot["starts_at"]
        # The therapist's row lock makes racing holds (and bookings) of one slot take turns.
        visits.lock_participants(therapist_id)
        if not scheduling.is_open(therapist_id, VisitKind.SCREENING, starts_at):
            raise Conflict(
                "That screening slot is no longer open.",
                errors={"slot": ["is not an open screening slot; pick another from GET /slots"]},
            )
        request.therapist_id = therapist_id
        request.starts_at = starts_at
        request.ends_at = starts_at + DURATIONS[VisitKind.SCREENING]
        request.hold_expires_at = now + config["SCREENING_HOLD"]
    db.session.add(request)
    db.session.flush()
    jobs.send_screening_confirmation(request.id)
    return request


def discarded_receipt() -> dict[str, Any]:
    """What a bot filling the hidden field is told: a receipt like any other, for nothing kept."""
    return {"id": uuid.uuid4(), "status": ScreeningStatus.UNCONFIRMED}


def issue_confirmation(request_id: uuid.UUID) -> tuple[ScreeningRequest, str] | None:
    """A fresh confirmation link for an unconfirmed request (the worker emails it); the old one ends."""
    request = db.session.get(ScreeningRequest, request_id)
    if request is None or request.status != ScreeningStatus.UNCONFIRMED:
        return None
    raw = secrets.token_urlsafe(32)
    request.confirm_token_hash = accounts.token_digest(raw)
    db.session.flush()
    return request, raw


def confirm(raw_token: str) -> ScreeningRequest:
    """The email is confirmed: the request goes to staff; a lapsed hold leaves it without a slot."""
    scheduling.enabled("SCREENING_REQUESTS_ENABLED")
    now = utcnow()
    # One UPDATE claims the link, so two racing uses cannot both succeed.
    claimed = db.session.execute(
        update(ScreeningRequest)
        .where(
            ScreeningRequest.confirm_token_hash == accounts.token_digest(raw_token),
            ScreeningRequest.status == ScreeningStatus.UNCONFIRMED,
            ScreeningRequest.confirm_expires_at > now,
        )
        .values(status=ScreeningStatus.REQUESTED, confirmed_at=now, confirm_token_hash=None, updated_at=now)
        .returning(ScreeningRequest.id)
    ).scalar_one_or_none()
    if claimed is None:
        raise ValidationFailed.field("token", BAD_LINK)
    request = db.session.get(ScreeningRequest, claimed)
    assert request is not None  # noqa: S101  (just claimed in this transaction)
    db.session.refresh(request)
    if request.hold_expires_at is not None and request.hold_expires_at <= now:
        request.therapist_id = request.starts_at = request.ends_at = None
    request.hold_expires_at = None
    db.session.flush()
    return request


# --- staff -------------------------------------------------------------------------------


def scope_filter(user: User) -> Any:
    """A therapist sees requests for their own slots and those without one; admins see all."""
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.THERAPIST:
        own = select(Therapist.id).where(Therapist.user_id == user.id)
        return or_(ScreeningRequest.therapist_id.is_(None), ScreeningRequest.therapist_id.in_(own))
    return True  # a patient is let through to be refused by role (403), never shown anything


def get_visible_request(user: User, request_id: uuid.UUID) -> ScreeningRequest:
    request = db.session.scalar(
        select(ScreeningRequest).where(ScreeningRequest.id == request_id, scope_filter(user))
    )
    if request is None:
        raise NotFound("No such screening request.")
    return request


def list_requests(user: User, *, status: str | None, page: int, per_page: int) -> Page:
    """Urgent ones first (a red flag), then oldest first: the order staff should work in."""
    stmt = (
        select(ScreeningRequest)
        .where(scope_filter(user))
        .order_by(ScreeningRequest.urgent.desc(), ScreeningRequest.created_at, ScreeningRequest.id)
    )
    if status:
        stmt = stmt.where(ScreeningRequest.status == status)
    return paginate(stmt, page, per_page)


def _lock(request: ScreeningRequest) -> None:
    hold_sqlite_write_lock(db.session(), ScreeningRequest.__table__)
    db.session.refresh(request, with_for_update={"key_share": True})


def _must_be_requested(request: ScreeningRequest, doing: str) -> None:
    if request.status != ScreeningStatus.REQUESTED:
        raise Conflict(f"Only a confirmed request can be {doing}; this one is {request.status}.")


@dataclass(frozen=True)
class Accepted:
    patient: Patient
    visit: Visit


def accept(
    actor: User,
    request: ScreeningRequest,
    *,
    starts_at: datetime | None = None,
    therapist_id: uuid.UUID | None = None,
    date_of_birth: date | None = None,
) -> Accepted:
    """The person becomes a patient of the therapist (invited by email) with a screening visit booked."""
    _lock(request)
    _must_be_requested(request, "accepted")
    therapist_id = _accepting_therapist(actor, request, therapist_id)
    starts_at = starts_at or (request.starts_at if therapist_id == request.therapist_id else None)
    if starts_at is None:
        raise ValidationFailed.field("starts_at", "the request holds no slot of this therapist; name a time")
    born = date_of_birth or request.date_of_birth
    if born is None:
        raise ValidationFailed.field("date_of_birth", "is needed to open the patient's record")
    patient = patients.create_patient(
        actor,
        email=request.email,
        first_name=request.first_name,
        last_name=request.last_name,
        date_of_birth=born,
        timezone=request.timezone,
        phone=request.phone,
        conditions=request.conditions,
        therapist_id=therapist_id,
    )

    def no_other_hold(start: datetime, end: datetime) -> None:
        # Someone else's held slot is not free, whoever books it; this request's own hold is.
        clash = db.session.scalar(
            select(ScreeningRequest.id)
            .where(
                ScreeningRequest.id != request.id,
                ScreeningRequest.therapist_id == therapist_id,
                scheduling.active_holds(utcnow()),
                ScreeningRequest.starts_at < end,
                ScreeningRequest.ends_at > start,
            )
            .limit(1)
        )
        if clash is not None:
            raise Conflict(
                "That time is held for another screening request.",
                errors={"starts_at": ["is held for another screening request"]},
            )

    visit = visits.book(
        patient, therapist_id, starts_at, SCREENING_MINUTES, VisitKind.SCREENING, also_check=no_other_hold
    )
    request.status = ScreeningStatus.ACCEPTED
    request.decided_at = utcnow()
    request.decided_by_id = actor.id
    request.patient_id = patient.id
    request.visit_id = visit.id
    request.therapist_id, request.starts_at, request.ends_at = therapist_id, visit.starts_at, visit.ends_at
    db.session.flush()
    jobs.send_screening_booked(visit.id)
    return Accepted(patient, visit)


def _accepting_therapist(actor: User, request: ScreeningRequest, therapist_id: uuid.UUID | None) -> uuid.UUID:
    if actor.role == Role.THERAPIST:
        own = accounts.therapist_id_of(actor)
        if own is None or (therapist_id is not None and therapist_id != own):
            raise ValidationFailed.field(
                "therapist_id", "a therapist accepts requests for themselves; leave it out"
            )
        return own
    chosen = therapist_id or request.therapist_id
    if chosen is None:
        raise ValidationFailed.field(
            "therapist_id", "an admin must name the therapist for a request without a slot"
        )
    if db.session.get(Therapist, chosen) is None:
        raise ValidationFailed.field("therapist_id", "no such therapist")
    return chosen


def decline(actor: User, request: ScreeningRequest, reason: str | None) -> ScreeningRequest:
    """Declined; the person is told by email, without the reason (which is for staff)."""
    _lock(request)
    _must_be_requested(request, "declined")
    request.status = ScreeningStatus.DECLINED
    request.decided_at = utcnow()
    request.decided_by_id = actor.id
    request.decline_reason = reason
    request.hold_expires_at = None  # the status alone releases the slot
    db.session.flush()
    jobs.send_screening_declined(request.id)
    return request


def declined_notice(request_id: uuid.UUID) -> ScreeningRequest | None:
    request = db.session.get(ScreeningRequest, request_id)
    return request if request is not None and request.status == ScreeningStatus.DECLINED else None


# --- retention ---------------------------------------------------------------------------


def purge(now: datetime | None = None) -> int:
    """Expire links never used; delete unconfirmed requests after 7 days and declined ones after 30."""
    now = now or utcnow()
    db.session.execute(
        update(ScreeningRequest)
        .where(
            ScreeningRequest.status == ScreeningStatus.UNCONFIRMED, ScreeningRequest.confirm_expires_at <= now
        )
        .values(status=ScreeningStatus.EXPIRED, confirm_token_hash=None, hold_expires_at=None, updated_at=now)
    )
    # A DELETE answers with a CursorResult (its rowcount); Session.execute is typed for any statement.
    removed = cast(
        "CursorResult[Any]",
        db.session.execute(
            delete(ScreeningRequest).where(
                or_(
                    ScreeningRequest.status.in_([ScreeningStatus.UNCONFIRMED, ScreeningStatus.EXPIRED])
                    & (ScreeningRequest.created_at <= now - UNCONFIRMED_KEPT),
                    (ScreeningRequest.status == ScreeningStatus.DECLINED)
                    & (ScreeningRequest.decided_at <= now - DECLINED_KEPT),
                )
            )
        ),
    ).rowcount
    return removed or 0
