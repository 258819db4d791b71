from __future__ import annotations

import enum
import uuid
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field

from telehealth.common.schemas import (
    DateIn,
    InputModel,
    OutputModel,
    PageOut,
    PageQuery,
    PatchModel,
    QueryModel,
    UtcDatetime,
)
from telehealth.programs.models import WEEK, AssignmentSide, AssignmentStatus, BodyRegion, Category, Weekday

# Dates far outside a course of care are typos; the bounds also keep date arithmetic in range.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)


def _check_local_date(value: date) -> date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(f"must be between {EARLIEST_DATE} and {LATEST_DATE}")
    return value


def _check_days(value: list[Weekday]) -> list[Weekday]:
    if not value:
        raise ValueError("name at least one day")
    if len(set(value)) != len(value):
        raise ValueError("name each day once")
    return sorted(value, key=WEEK.index)


def _check_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http or https URL")
    return value


LocalDate = Annotated[DateIn, AfterValidator(_check_local_date)]
Sets = Annotated[int, Field(ge=1, le=20)]
Reps = Annotated[int, Field(ge=1, le=100)]
HoldSeconds = Annotated[int, Field(ge=0, le=600)]
TimesPerDay = Annotated[int, Field(ge=1, le=6)]
Days = Annotated[list[Weekday], Field(max_length=7), AfterValidator(_check_days)]
Notes = Annotated[str, Field(max_length=2000)]
ExerciseName = Annotated[str, Field(min_length=1, max_length=120)]
Instructions = Annotated[str, Field(min_length=1, max_length=4000)]
MediaUrl = Annotated[str, Field(max_length=500), AfterValidator(_check_url)]


# --- exercises ------------------------------------------------------------------------------


class ExerciseIn(InputModel):
    name: ExerciseName
    instructions: Instructions
    body_region: BodyRegion
    category: Category
    media_url: MediaUrl | None = None
    default_sets: Sets = 3
    default_reps: Reps | None = 10
    default_hold_seconds: HoldSeconds | None = None


class ExercisePatch(PatchModel):
    NULLABLE = frozenset({"media_url", "default_reps", "default_hold_seconds"})

    name: ExerciseName | None = None
    instructions: Instructions | None = None
    body_region: BodyRegion | None = None
    category: Category | None = None
    media_url: MediaUrl | None = None
    default_sets: Sets | None = None
    default_reps: Reps | None = None
    default_hold_seconds: HoldSeconds | None = None
    archived: bool | None = None


class ExerciseOut(OutputModel):
    id: uuid.UUID
    name: str
    instructions: str
    body_region: str
    category: str
    media_url: str | None
    default_sets: int
    default_reps: int | None
    default_hold_seconds: int | None
    archived: bool
    author_id: uuid.UUID | None
    created_at: UtcDatetime
    updated_at: UtcDatetime


class ExerciseSummary(OutputModel):
    id: uuid.UUID
    name: str
    body_region: str
    category: str
    media_url: str | None
    archived: bool


class ExercisePage(PageOut[ExerciseOut]):
    pass


class ExerciseQuery(PageQuery):
    q: str | None = Field(None, max_length=100)
    body_region: BodyRegion | None = None
    category: Category | None = None
    include_archived: bool = Field(False, description="true also lists archived exercises")


# --- prescriptions --------------------------------------------------------------------------


class PrescriptionIn(PatchModel):
    """A dose and schedule; sets, reps and hold left out take the exercise's default dose."""

    NULLABLE = frozenset({"reps", "hold_seconds", "notes", "end_date"})

    exercise_id: uuid.UUID
    sets: Sets | None = None
    reps: Reps | None = None
    hold_seconds: HoldSeconds | None = None
    side: AssignmentSide
    times_per_day: TimesPerDay = 1
    days_of_week: Days = list(WEEK)
    notes: Notes | None = None

    def prescription(self) -> dict[str, Any]:
        """The fields as sent, with defaults for the schedule; dose fields only when sent."""
        data = self.model_dump(exclude={"exercise_id"})
        for name in ("sets", "reps", "hold_seconds"):
            if name not in self.model_fields_set:
                data.pop(name)
        return data


class AssignmentIn(PrescriptionIn):
    start_date: LocalDate
    end_date: LocalDate | None = None


class AssignmentPatch(PatchModel):
    NULLABLE = frozenset({"reps", "hold_seconds", "notes", "end_date"})

    sets: Sets | None = None
    reps: Reps | None = None
    hold_seconds: HoldSeconds | None = None
    side: AssignmentSide | None = None
    times_per_day: TimesPerDay | None = None
    days_of_week: Days | None = None
    start_date: LocalDate | None = None
    end_date: LocalDate | None = None
    notes: Notes | None = None


class DoseOut(OutputModel):
    sets: int
    reps: int | None
    hold_seconds: int | None
    side: str
    times_per_day: int
    days_of_week: list[str]
    notes: str | None


class PrescriptionOut(DoseOut):
    start_date: date
    end_date: date | None


class VersionOut(PrescriptionOut):
    effective_from: date = Field(description="the local date from which this prescription was in force")


class HistoryEntryOut(OutputModel):
    changed_at: UtcDatetime
    changed_by: uuid.UUID
    effective_from: date = Field(
        description="the local date from which this earlier prescription was in force; it planned every "
        "day until the next version's effective_from"
    )
    prescription: PrescriptionOut


class AssignmentOut(PrescriptionOut):
    id: uuid.UUID
    patient_id: uuid.UUID
    exercise_id: uuid.UUID
    exercise: ExerciseSummary
    template_id: uuid.UUID | None
    status: str
    ended_at: UtcDatetime | None
    effective_from: date = Field(
        description="the local date from which the current prescription is in force; earlier days "
        "keep the version in `history` then in force"
    )
    history: list[HistoryEntryOut] = Field(description="earlier prescriptions, oldest first")
    created_at: UtcDatetime
    updated_at: UtcDatetime


class AssignmentPage(PageOut[AssignmentOut]):
    pass


class AssignmentFilter(enum.StrEnum):
    ACTIVE = AssignmentStatus.ACTIVE.value
    ENDED = AssignmentStatus.ENDED.value
    ALL = "all"


class AssignmentQuery(PageQuery):
    status: AssignmentFilter = AssignmentFilter.ACTIVE


# --- templates ------------------------------------------------------------------------------


class TemplateIn(InputModel):
    name: ExerciseName
    description: Annotated[str, Field(max_length=4000)] | None = None
    items: Annotated[list[PrescriptionIn], Field(min_length=1, max_length=50)]


class TemplateItemOut(DoseOut):
    id: uuid.UUID
    position: int
    exercise_id: uuid.UUID
    exercise: ExerciseSummary


class TemplateOut(OutputModel):
    id: uuid.UUID
    name: str
    description: str | None
    author_id: uuid.UUID
    items: list[TemplateItemOut]
    created_at: UtcDatetime
    updated_at: UtcDatetime


class TemplatePage(PageOut[TemplateOut]):
    pass


class TemplateQuery(PageQuery):
    q: str | None = Field(None, max_length=100)


class ApplyIn(InputModel):
    start_date: LocalDate
    end_date: LocalDate | None = None


class AppliedOut(OutputModel):
    assignments: list[AssignmentOut]


# --- today ----------------------------------------------------------------------------------


class TodayQuery(QueryModel):
    date: LocalDate | None = Field(None, description="a local date; default: today in the patient's zone")


class TodayItemOut(OutputModel):
    assignment: AssignmentOut
    exercise: ExerciseOut
    prescription: VersionOut = Field(description="the prescription in force on that date, which planned it")
    planned: int
    done: int
    complete: bool


class TodayOut(OutputModel):
    date: date
    items: list[TodayItemOut]
    completion: float | None = Field(description="done / planned, 0..1; null when nothing is planned")
