"""Therapists' weekly hours, and free screening requests from people who are not patients yet."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from telehealth.accounts.models import Therapist
from telehealth.common.models import IdMixin, TimestampMixin
from telehealth.common.time import utcnow
from telehealth.extensions import Model


class Weekday(enum.StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


WEEKDAYS = list(Weekday)  # index = date.weekday()


class Availability(Model):
    """One therapist's hours: weekly spans in local wall-clock time of `timezone`, and exceptions.

    Slots are computed from it on every read, never stored (telehealth/scheduling/slots.py).
    """

    __tablename__ = "therapist_availability"

    therapist_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("therapists.id"), primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64))
    # [{day, start "HH:MM", end "HH:MM", kinds: [...]}]
    weekly: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # [{date "YYYY-MM-DD", start?, end?, available, kinds?}]
    exceptions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    therapist: Mapped[Therapist] = relationship()


class ScreeningStatus(enum.StrEnum):
    UNCONFIRMED = "unconfirmed"  # the email address has not been confirmed yet
    REQUESTED = "requested"  # confirmed: waiting for staff
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"  # never confirmed before the link expired


class RedFlag(enum.StrEnum):
    """Signs that call for a physician before physical therapy."""

    NIGHT_PAIN = "night_pain"
    FEVER = "fever"
    UNEXPLAINED_WEIGHT_LOSS = "unexplained_weight_loss"
    BLADDER_OR_BOWEL_CHANGE = "bladder_or_bowel_change"
    SADDLE_NUMBNESS = "saddle_numbness"
    RECENT_TRAUMA = "recent_trauma"


class ScreeningRequest(IdMixin, TimestampMixin, Model):
    __tablename__ = "screening_requests"
    __table_args__ = (
        Index("ix_screening_requests_status_created_at", "status", "created_at"),
        Index("ix_screening_requests_therapist_id_starts_at", "therapist_id", "starts_at"),
    )

    status: Mapped[ScreeningStatus] = mapped_column(default=ScreeningStatus.UNCONFIRMED)
    urgent: Mapped[bool] = mapped_column(default=False)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    timezone: Mapped[str] = mapped_column(String(64))
    date_of_birth: Mapped[date | None]
    conditions: Mapped[list[str]] = mapped_column(JSON, default=list)
    red_flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    message: Mapped[str | None] = mapped_column(Text)

    # The slot asked for; held while unconfirmed until hold_expires_at, and while requested.
    therapist_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("therapists.id"))
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    hold_expires_at: Mapped[datetime | None]

    # Only a digest of the emailed confirmation token is kept; a new link replaces the old one.
    confirm_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    confirm_expires_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]

    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    decline_reason: Mapped[str | None] = mapped_column(Text)
    patient_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("patients.id"))
    visit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("visits.id"))

    therapist: Mapped[Therapist | None] = relationship()
