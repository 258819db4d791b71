"""Request and response shapes of availability, slots and screening requests."""

from __future__ import annotations

import itertools
import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import EmailStr, Field, field_validator, model_validator

from telehealth.common.schemas import (
    DateIn,
    InputModel,
    InstantIn,
    Name,
    OutputModel,
    PageOut,
    PageQuery,
    QueryModel,
    Timezone,
    UtcDatetime,
)
from telehealth.patients.models import Condition
from telehealth.patients.schemas import PatientOut, Phone, _check_birth_date
from telehealth.scheduling.models import RedFlag, ScreeningStatus, Weekday
from telehealth.visits.models import VisitKind
from telehealth.visits.schemas import VisitOut

ClockTime = Annotated[
    str,
    Field(
        pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
        min_length=5,
        max_length=5,
        description="local wall-clock time, HH:MM",
    ),
]
Kinds = Annotated[list[VisitKind], Field(min_length=1, max_length=len(VisitKind))]


class WeeklyHours(InputModel):
    day: Weekday
    start: ClockTime
    end: ClockTime
    kinds: Kinds

    @model_validator(mode="after")
    def _ordered(self) -> WeeklyHours:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class ExceptionDay(InputModel):
    """A day off (available false, no times), a blocked span (false, with times), or that day's
    hours instead of the weekly ones (true, with times: a shortened day)."""

    date: DateIn
    start: ClockTime | None = None
    end: ClockTime | None = None
    available: bool
    kinds: Kinds | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ExceptionDay:
        if (self.start is None) != (self.end is None):
            raise ValueError("give both start and end, or neither")
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError("end must be after start")
        if self.available and self.start is None:
            raise ValueError("an available exception gives that day's hours: start and end")
        return self


class AvailabilityIn(InputModel):
    timezone: Timezone
    weekly: Annotated[list[WeeklyHours], Field(max_length=70)]
    exceptions: Annotated[list[ExceptionDay], Field(max_length=400)] = []

    @field_validator("weekly")
    @classmethod
    def _no_overlap(cls, weekly: list[WeeklyHours]) -> list[WeeklyHours]:
        ordered = sorted(weekly, key=lambda e: (list(Weekday).index(e.day), e.start))
        for before, after in itertools.pairwise(ordered):
            if before.day == after.day and after.start < before.end:
                raise ValueError(f"hours on {after.day} overlap; give each span once")
        return weekly


class WeeklyHoursOut(OutputModel):
    day: Weekday
    start: str
    end: str
    kinds: list[VisitKind]


class ExceptionDayOut(OutputModel):
    date: date
    start: str | None = None
    end: str | None = None
    available: bool
    kinds: list[VisitKind] | None = None


class AvailabilityOut(OutputModel):
    therapist_id: uuid.UUID
    timezone: str = Field(description="IANA zone the hours are read in (wall-clock, DST-exact)")
    weekly: list[WeeklyHoursOut]
    exceptions: list[ExceptionDayOut]
    updated_at: UtcDatetime | None


class SlotQuery(QueryModel):
    kind: VisitKind = VisitKind.SCREENING
    from_: InstantIn | None = Field(None, alias="from")
    to: InstantIn | None = None
    therapist_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _ordered(self) -> SlotQuery:
        if self.from_ is not None and self.to is not None and self.to <= self.from_:
            raise ValueError("to must be after from")
        return self


class SlotOut(OutputModel):
    therapist_id: uuid.UUID
    therapist_name: str
    starts_at: UtcDatetime
    ends_at: UtcDatetime
    kind: VisitKind


class SlotList(OutputModel):
    items: list[SlotOut]


class HeldSlotIn(InputModel):
    therapist_id: uuid.UUID
    starts_at: InstantIn


class ScreeningRequestIn(InputModel):
    first_name: Name
    last_name: Name
    email: EmailStr = Field(max_length=254)
    phone: Phone | None = None
    timezone: Timezone
    date_of_birth: DateIn | None = Field(None, description="saves asking for it when the request is accepted")
    conditions: Annotated[list[Condition], Field(max_length=len(Condition))] = []
    red_flags: Annotated[list[RedFlag], Field(max_length=len(RedFlag))] = []
    message: str | None = Field(None, max_length=2000)
    slot: HeldSlotIn | None = None
    consent_to_contact: Literal[True] = Field(description="must be true: we may contact this person")
    website: str | None = Field(
        None, max_length=500, description="leave out or empty: a field people never see, filled in by bots"
    )

    _birth = field_validator("date_of_birth")(_check_birth_date)


class ScreeningReceiptOut(OutputModel):
    id: uuid.UUID
    status: ScreeningStatus


class ConfirmIn(InputModel):
    token: Annotated[str, Field(min_length=1, max_length=512)]


class HeldSlotOut(OutputModel):
    therapist_id: uuid.UUID
    therapist_name: str
    starts_at: UtcDatetime
    ends_at: UtcDatetime


class ScreeningRequestOut(OutputModel):
    id: uuid.UUID
    status: ScreeningStatus
    urgent: bool = Field(description="a red flag was ticked: advise a physician; listed first")
    first_name: str
    last_name: str
    email: str
    phone: str | None
    timezone: str
    date_of_birth: date | None
    conditions: list[str]
    red_flags: list[str]
    message: str | None
    slot: HeldSlotOut | None
    hold_expires_at: UtcDatetime | None
    created_at: UtcDatetime
    confirmed_at: UtcDatetime | None
    decided_at: UtcDatetime | None
    decline_reason: str | None
    patient_id: uuid.UUID | None
    session_id: uuid.UUID | None


class ScreeningRequestPage(PageOut[ScreeningRequestOut]):
    pass


class ScreeningRequestQuery(PageQuery):
    status: ScreeningStatus | None = None


class AcceptIn(InputModel):
    starts_at: InstantIn | None = Field(None, description="default: the slot the request holds")
    therapist_id: uuid.UUID | None = Field(
        None, description="admins only; default: the held slot's therapist"
    )
    date_of_birth: DateIn | None = Field(None, description="needed when the request did not give it")

    _birth = field_validator("date_of_birth")(_check_birth_date)


class AcceptOut(OutputModel):
    patient: PatientOut
    session: VisitOut


class DeclineIn(InputModel):
    reason: str | None = Field(None, max_length=2000, description="for staff; never sent to the person")
