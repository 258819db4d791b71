"""Exercises, reusable program templates, and the assignments that make up a patient's home program."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from telehealth.common.models import IdMixin, TimestampMixin
from telehealth.common.time import utcnow
from telehealth.extensions import Model
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


class Exercise(IdMixin, TimestampMixin, Model):
    __tablename__ = "exercises"
    __table_args__ = (Index("ix_exercises_archived_region_category", "archived", "body_region", "category"),)

    name: Mapped[str] = mapped_column(String(120))
    instructions: Mapped[str] = mapped_column(Text)
    body_region: Mapped[BodyRegion]
    category: Mapped[Category]
    media_url: Mapped[str | None] = mapped_column(String(500))
    default_sets: Mapped[int]
    default_reps: Mapped[int | None]
    default_hold_seconds: Mapped[int | None]
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    # None for the seeded library, which only an admin may edit.
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)


class ProgramTemplate(IdMixin, TimestampMixin, Model):
    __tablename__ = "program_templates"

    name: Mapped[str] = mapped_column(String(120), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))

    items: Mapped[list[ProgramTemplateItem]] = relationship(
        back_populates="template",
        order_by="ProgramTemplateItem.position",
        cascade="all, delete-orphan",
        lazy="raise_on_sql",
    )


class PrescriptionMixin:
    """Dose and schedule, shared by a template item and the assignments made from it."""

    sets: Mapped[int]
    reps: Mapped[int | None]
    hold_seconds: Mapped[int | None]
    side: Mapped[AssignmentSide]
    times_per_day: Mapped[int]
    days_of_week: Mapped[list[str]] = mapped_column(JSON)
    notes: Mapped[str | None] = mapped_column(Text)


PRESCRIPTION_FIELDS = ("sets", "reps", "hold_seconds", "side", "times_per_day", "days_of_week", "notes")
# What an assignment's history keeps of each earlier prescription.
DATED_PRESCRIPTION_FIELDS = (*PRESCRIPTION_FIELDS, "start_date", "end_date")


class ProgramTemplateItem(IdMixin, PrescriptionMixin, Model):
    __tablename__ = "program_template_items"

    template_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("program_templates.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    exercise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exercises.id"))

    template: Mapped[ProgramTemplate] = relationship(back_populates="items", lazy="raise_on_sql")
    exercise: Mapped[Exercise] = relationship(lazy="raise_on_sql", innerjoin=True)


@dataclass(frozen=True)
class Version:
    """One prescription of an assignment and the local date from which it was in force."""

    effective_from: date
    sets: int
    reps: int | None
    hold_seconds: int | None
    side: str
    times_per_day: int
    days_of_week: tuple[str, ...]
    notes: str | None
    start_date: date
    end_date: date | None

    @classmethod
    def of(cls, effective_from: date, prescription: Mapping[str, Any]) -> Version:
        """From a prescription as the model holds it or as the history stores it (JSON)."""

        def as_date(value: date | str | None) -> date | None:
            return date.fromisoformat(value) if isinstance(value, str) else value

        return cls(
            effective_from=effective_from,
            sets=prescription["sets"],
            reps=prescription["reps"],
            hold_seconds=prescription["hold_seconds"],
            side=prescription["side"],
            times_per_day=prescription["times_per_day"],
            days_of_week=tuple(prescription["days_of_week"]),
            notes=prescription["notes"],
            start_date=as_date(prescription["start_date"]),  # type: ignore[arg-type]  # never null
            end_date=as_date(prescription["end_date"]),
        )

    def is_running_on(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


@dataclass(frozen=True)
class Timeline:
    """An assignment's prescriptions over time, oldest first; the one place that says what was
    planned for it on a local day."""

    versions: tuple[Version, ...]
    ended_on: date | None  # the local date it was ended: that day and later plan nothing

    def in_force(self, day: date) -> Version:
        """The newest version already in force that day; before them all, the first one."""
        for version in reversed(self.versions):
            if version.effective_from <= day:
                return version
        return self.versions[0]

    def scheduled(self, day: date) -> Version | None:
        """The version that plans this exercise that day, or None when nothing is planned: the
        version in force must be running and prescribe the weekday, and the assignment not ended."""
        if self.ended_on is not None and day >= self.ended_on:
            return None
        version = self.in_force(day)
        if not version.is_running_on(day) or WEEK[day.weekday()] not in version.days_of_week:
            return None
        return version

    def planned(self, day: date) -> int:
        version = self.scheduled(day)
        return version.times_per_day if version else 0


def timeline_of(
    history: list[dict[str, Any]],
    effective_from: date,
    prescription: Mapping[str, Any],
    ended_on: date | None,
) -> Timeline:
    """An assignment's versions: the earlier ones its history column keeps (JSON), then the current
    prescription from `effective_from`; from the model (`Assignment.timeline`) or from plain rows."""
    earlier = tuple(
        Version.of(date.fromisoformat(entry["effective_from"]), entry["prescription"]) for entry in history
    )
    return Timeline((*earlier, Version.of(effective_from, prescription)), ended_on)


class Assignment(IdMixin, PrescriptionMixin, TimestampMixin, Model):
    """One exercise prescribed to one patient; tailored on its own, ended but never deleted."""

    __tablename__ = "assignments"
    __table_args__ = (Index("ix_assignments_patient_status", "patient_id", "status"),)

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    exercise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exercises.id"), index=True)
    template_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("program_templates.id"))
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    # The patient's local date from which the current prescription is in force.
    effective_from: Mapped[date]
    status: Mapped[AssignmentStatus] = mapped_column(default=AssignmentStatus.ACTIVE)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    ended_at: Mapped[datetime | None]
    # The patient's local date of ending: that day and later plan nothing.
    ended_on: Mapped[date | None]
    ended_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    # Earlier prescriptions, oldest first: [{changed_at, changed_by, effective_from, prescription}],
    # each in force from its effective_from until the next version's.
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    exercise: Mapped[Exercise] = relationship(lazy="raise_on_sql", innerjoin=True)
    patient: Mapped[Patient] = relationship(lazy="raise_on_sql")

    def prescription(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in DATED_PRESCRIPTION_FIELDS}

    def timeline(self) -> Timeline:
        return timeline_of(self.history, self.effective_from, self.prescription(), self.ended_on)

    def end(self, by: uuid.UUID, local_today: date) -> None:
        self.status = AssignmentStatus.ENDED
        self.ended_at = utcnow()
        self.ended_on = local_today
        self.ended_by = by
