"""Request and response shapes of video visits; patients get their own view of the notes."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import ConfigDict, Field, field_validator, model_validator

from telehealth.accounts.models import Role
from telehealth.common.pagination import Page
from telehealth.common.schemas import (
    InputModel,
    InstantIn,
    OutputModel,
    PageOut,
    PageQuery,
    UtcDatetime,
)
from telehealth.visits.models import MAX_DURATION_MINUTES, MIN_DURATION_MINUTES, Visit, VisitKind, VisitStatus

Instant = InstantIn
Duration = Annotated[int, Field(ge=MIN_DURATION_MINUTES, le=MAX_DURATION_MINUTES)]
NoteText = Annotated[str, Field(max_length=20_000)]


class VisitIn(InputModel):
    """Staff name the patient and the length; a patient books a follow-up with `starts_at` and `kind`
    alone (their own record, 30 minutes, their therapist: `therapist_id` picks one of several)."""

    patient_id: uuid.UUID | None = Field(
        None, description="required for staff; a patient books for themselves"
    )
    starts_at: Instant
    duration_minutes: Duration | None = Field(None, description="required for staff; a follow-up is 30")
    kind: VisitKind
    therapist_id: uuid.UUID | None = None


class RescheduleIn(InputModel):
    model_config = ConfigDict(json_schema_extra={"minProperties": 1})  # the validator below, documented

    starts_at: Instant | None = None
    duration_minutes: Duration | None = None

    @field_validator("starts_at", "duration_minutes", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may not be null; leave it out to keep it")
        return value

    @model_validator(mode="after")
    def _something_changes(self) -> RescheduleIn:
        if not self.model_fields_set:
            raise ValueError("name a new starts_at, duration_minutes or both")
        return self


class CancelIn(InputModel):
    reason: str | None = Field(None, max_length=2000)


class SoapNotesIn(InputModel):
    subjective: NoteText
    objective: NoteText
    assessment: NoteText
    plan: NoteText


class CompleteIn(InputModel):
    notes: SoapNotesIn


class VisitQuery(PageQuery):
    from_: Instant | None = Field(None, alias="from")
    to: Instant | None = None
    status: VisitStatus | None = None
    patient_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _ordered(self) -> VisitQuery:
        if self.from_ is not None and self.to is not None and self.to <= self.from_:
            raise ValueError("to must be after from")
        return self


class SoapNotesOut(OutputModel):
    # Left out of a patient's view (PlanNotesOut), so the one documented shape fits both.
    subjective: str | None = None
    objective: str | None = None
    assessment: str | None = None
    plan: str | None


class PlanNotesOut(OutputModel):
    """What a patient reads of the notes: the plan, not the clinician's findings."""

    plan: str | None


class _VisitFields(OutputModel):
    id: uuid.UUID
    status: VisitStatus
    patient_id: uuid.UUID
    therapist_id: uuid.UUID
    starts_at: UtcDatetime
    ends_at: UtcDatetime
    duration_minutes: int
    kind: VisitKind
    join_opens_at: UtcDatetime = Field(
        description="from then until ends_at (while scheduled or in progress) POST /join gives the room link"
    )
    sequence: int
    started_at: UtcDatetime | None
    completed_at: UtcDatetime | None
    no_show_at: UtcDatetime | None
    cancelled_at: UtcDatetime | None
    cancel_reason: str | None
    created_at: UtcDatetime
    updated_at: UtcDatetime


class VisitOut(_VisitFields):
    """A visit as its therapist and admins see it; patients get PatientVisitOut (notes: plan only)."""

    notes: SoapNotesOut | None


class PatientVisitOut(_VisitFields):
    notes: PlanNotesOut | None


class VisitPage(PageOut[VisitOut]):
    pass


class PatientVisitPage(PageOut[PatientVisitOut]):
    pass


class JoinOut(OutputModel):
    url: str
    expires_at: UtcDatetime


def visit_out(role: str, visit: Visit) -> VisitOut | PatientVisitOut:
    """The visit in the shape the caller's role may read."""
    shape = PatientVisitOut if role == Role.PATIENT else VisitOut
    return shape.model_validate(visit)


def visit_page(role: str, page: Page) -> VisitPage | PatientVisitPage:
    shape = PatientVisitPage if role == Role.PATIENT else VisitPage
    return shape.model_validate(page)
