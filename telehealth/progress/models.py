"""Progress logs: what a patient did of an assignment, keyed by the id their device chose."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from telehealth.common.models import BodySide
from telehealth.common.time import utcnow
from telehealth.extensions import Model

# The fields a client sends; a repeat of the same id must match on all of them.
BODY_FIELDS = (
    "assignment_id",
    "performed_at",
    "sets_completed",
    "reps_completed",
    "hold_seconds",
    "side",
    "pain_score",
    "difficulty",
    "notes",
)


class ProgressLog(Model):
    __tablename__ = "progress_logs"
    __table_args__ = (
        Index("ix_progress_logs_patient_performed", "patient_id", "performed_at"),
        Index("ix_progress_logs_assignment_performed", "assignment_id", "performed_at"),
    )

    # The client's UUID: the primary key's uniqueness is what makes retries idempotent.
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    assignment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    performed_at: Mapped[datetime]
    sets_completed: Mapped[int]
    reps_completed: Mapped[int | None]
    hold_seconds: Mapped[int | None]
    side: Mapped[BodySide | None]
    pain_score: Mapped[int]
    difficulty: Mapped[int | None]
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DayTally(Model):
    """How many logs of one assignment fell on one local day of its patient (Patient.timezone), by
    the side they named: exactly what adherence counts from, kept with every log write.

    Raw side counts, not sets done: `done` is capped at read time with the prescription in force that
    day, so a prescription change never touches these rows; only a new zone for the patient does.
    """

    __tablename__ = "assignment_days"
    __table_args__ = (Index("ix_assignment_days_patient_day", "patient_id", "day"),)

    assignment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    left_logs: Mapped[int] = mapped_column(default=0)
    right_logs: Mapped[int] = mapped_column(default=0)
    unsided_logs: Mapped[int] = mapped_column(default=0)
