"""Exercises, reusable program templates, and the assignments that make up a patient's home program."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from telehealth.common.models import IdMixin, TimestampMixin
from telehealth.common.time import utcnow
from telehealth.extensions import db
from telehealth.patients.models import Patient


class BodyRegion(enum.StrEnum):
    HIP = "hip"
    LUMBAR = "lumbar"
    CORE = "core"
    PELVIS = "pelvis"
    LOWER_LIMB = "lower_limb"


class Category(enum.StrEnum):
    MOBILITY = "mobility"
    STRETCH = "stretch"
    STRENGTH = "strength"
    MOTOR_CONTROL = "motor_control"


class AssignmentSide(enum.StrEnum):
    LEFT = "left"
    RIGHT = "right"
    BOTH = "both"
    NONE = "none"


class Weekday(enum.StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


# date.weekday() order: Monday is 0.
WEEK = tuple(Weekday)


class AssignmentStatus(enum.StrEnum):
    ACTIVE = "active"
    ENDED = "ended"


class Exercise(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "exercises"
    __table_args__ = (Index("ix_exercises_archived_region_category", "archived", "body_region", "category"),)

    name: Mapped[str] = mapped_column(String(120))
    instructions: Mapped[str] = mapped_column(Text)
    body_region: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(16))
    media_url: Mapped[str | None] = mapped_column(String(500))
    default_sets: Mapped[int]
    default_reps: Mapped[int | None]
    default_hold_seconds: Mapped[int | None]
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    # None for the seeded library, which only an admin may edit.
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)


class ProgramTemplate(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "program_templates"

    name: Mapped[str] = mapped_column(String(120), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))

    items: Mapped[list[ProgramTemplateItem]] = relationship(
        back_populates="template",
        order_by="ProgramTemplateItem.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )


class PrescriptionMixin:
    """Dose and schedule, shared by a template item and the assignments made from it."""

    sets: Mapped[int]
    reps: Mapped[int | None]
    hold_seconds: Mapped[int | None]
    side: Mapped[str] = mapped_column(String(8))
    times_per_day: Mapped[int]
    days_of_week: Mapped[list[str]] = mapped_column(JSON)
    notes: Mapped[str | None] = mapped_column(Text)


PRESCRIPTION_FIELDS = ("sets", "reps", "hold_seconds", "side", "times_per_day", "days_of_week", "notes")
# What an assignment's history keeps of each earlier prescription.
DATED_PRESCRIPTION_FIELDS = (*PRESCRIPTION_FIELDS, "start_date", "end_date")


class ProgramTemplateItem(IdMixin, PrescriptionMixin, db.Model):
    __tablename__ = "program_template_items"

    template_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("program_templates.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    exercise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exercises.id"))

    template: Mapped[ProgramTemplate] = relationship(back_populates="items")
    exercise: Mapped[Exercise] = relationship(lazy="joined", innerjoin=True)


class Assignment(IdMixin, PrescriptionMixin, TimestampMixin, db.Model):
    """One exercise prescribed to one patient; tailored on its own, ended but never deleted."""

    __tablename__ = "assignments"
    __table_args__ = (Index("ix_assignments_patient_status", "patient_id", "status"),)

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    exercise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exercises.id"), index=True)
    template_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("program_templates.id"))
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(8), default=AssignmentStatus.ACTIVE)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    ended_at: Mapped[datetime | None]
    # The patient's local date of ending: that day and later plan nothing.
    ended_on: Mapped[date | None]
    ended_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    # Earlier prescriptions, oldest first: [{changed_at, changed_by, prescription}].
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    exercise: Mapped[Exercise] = relationship(lazy="joined", innerjoin=True)
    patient: Mapped[Patient] = relationship()

    def prescription(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in DATED_PRESCRIPTION_FIELDS}

    def is_running_on(self, day: date) -> bool:
        """Part of the program that local day: started, not past its end date, not yet ended."""
        if day < self.start_date or (self.end_date is not None and day > self.end_date):
            return False
        return self.ended_on is None or day < self.ended_on

    def is_scheduled_on(self, day: date) -> bool:
        """Running that day and the day is one of its prescribed weekdays."""
        return self.is_running_on(day) and WEEK[day.weekday()] in self.days_of_week

    def end(self, by: uuid.UUID, local_today: date) -> None:
        self.status = AssignmentStatus.ENDED
        self.ended_at = utcnow()
        self.ended_on = local_today
        self.ended_by = by
