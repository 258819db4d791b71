"""Video visits: a therapist and a patient in one room for a fixed span of real time."""

from __future__ import annotations

import enum
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from telehealth.accounts.models import Therapist
from telehealth.common.models import IdMixin, TimestampMixin
from telehealth.extensions import Model
from telehealth.patients.models import Patient


class VisitStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


# The statuses that hold a participant's time: no two of these may overlap for one person.
ACTIVE_STATUSES = frozenset({VisitStatus.SCHEDULED, VisitStatus.IN_PROGRESS})


class VisitKind(enum.StrEnum):
    SCREENING = "screening"
    INITIAL_EVALUATION = "initial_evaluation"
    FOLLOW_UP = "follow_up"


MIN_DURATION_MINUTES = 15
MAX_DURATION_MINUTES = 120
# Participants may enter the room this long before the start, until the end.
JOIN_OPENS_BEFORE_MINUTES = 15
JOIN_OPENS_BEFORE = timedelta(minutes=JOIN_OPENS_BEFORE_MINUTES)


def new_room_name() -> str:
    # About 190 bits; lower case because Jitsi folds room names, and a JWT's room must match.
    return secrets.token_urlsafe(32).lower()


class Visit(IdMixin, TimestampMixin, Model):
    __tablename__ = "visits"
    __table_args__ = (
        Index("ix_visits_status_starts_at", "status", "starts_at"),
        Index("ix_visits_therapist_id_starts_at", "therapist_id", "starts_at"),
        Index("ix_visits_patient_id_starts_at", "patient_id", "starts_at"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint(
            f"duration_minutes BETWEEN {MIN_DURATION_MINUTES} AND {MAX_DURATION_MINUTES}",
            name="duration_range",
        ),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"))
    therapist_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("therapists.id"))
    # Instants in UTC; ends_at is starts_at plus the duration in real time, whatever the local clocks do.
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    duration_minutes: Mapped[int]
    kind: Mapped[VisitKind]
    status: Mapped[VisitStatus] = mapped_column(default=VisitStatus.SCHEDULED)
    # Raised on every change a calendar app must pick up (iCalendar SEQUENCE).
    sequence: Mapped[int] = mapped_column(default=0)
    # The video room; knowing it is enough to enter an unsecured Jitsi room, so it is never shown.
    room: Mapped[str] = mapped_column(String(64), unique=True, default=new_room_name)

    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    no_show_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancelled_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    # SOAP notes, written when the visit is completed.
    note_subjective: Mapped[str | None] = mapped_column(Text)
    note_objective: Mapped[str | None] = mapped_column(Text)
    note_assessment: Mapped[str | None] = mapped_column(Text)
    note_plan: Mapped[str | None] = mapped_column(Text)

    patient: Mapped[Patient] = relationship(lazy="raise_on_sql")
    therapist: Mapped[Therapist] = relationship(lazy="raise_on_sql")

    @property
    def join_opens_at(self) -> datetime:
        """From then until `ends_at`, participants get the room link (POST /sessions/{id}/join)."""
        return self.starts_at - JOIN_OPENS_BEFORE

    @property
    def notes(self) -> dict[str, Any] | None:
        if self.status != VisitStatus.COMPLETED:
            return None
        return {
            "subjective": self.note_subjective,
            "objective": self.note_objective,
            "assessment": self.note_assessment,
            "plan": self.note_plan,
        }
