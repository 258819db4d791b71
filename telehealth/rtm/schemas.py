"""Request and response shapes of RTM episodes, time entries and the monthly counts."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from telehealth.common.schemas import (
    DateIn,
    DateRangeQuery,
    InputModel,
    InstantIn,
    OutputModel,
    PageOut,
    PageQuery,
    UtcDatetime,
)
from telehealth.common.time import CLOCK_SKEW, utcnow
from telehealth.rtm.models import Activity, Modality

MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])", re.ASCII)
EARLIEST = date(2000, 1, 1)


def _not_in_future(value: datetime) -> datetime:
    if value > utcnow() + CLOCK_SKEW:
        raise ValueError("may not be in the future")
    return value


def _not_ancient(value: date) -> date:
    if value < EARLIEST:
        raise ValueError(f"may not be before {EARLIEST.isoformat()}")
    return value


def _month(value: str) -> str:
    if not MONTH.fullmatch(value) or value < "2000-01":
        raise ValueError("must be a calendar month written YYYY-MM, from 2000-01")
    return value


EpisodeDate = Annotated[DateIn, AfterValidator(_not_ancient)]
Month = Annotated[str, Field(min_length=7, max_length=7, examples=["2026-03"]), AfterValidator(_month)]


class EnrollIn(InputModel):
    start_date: EpisodeDate = Field(
        description="the episode's first day (patient's local date); not after today"
    )
    consent_obtained: Literal[True] = Field(
        description="must be true: the patient agreed to remote monitoring; the time is recorded"
    )


class EndIn(InputModel):
    end_date: EpisodeDate = Field(
        description="the episode's last day (patient's local date); not after today"
    )


class EpisodeOut(OutputModel):
    id: uuid.UUID
    patient_id: uuid.UUID
    start_date: date
    consent_recorded_at: UtcDatetime
    ended_on: date | None


class TimeEntryIn(InputModel):
    minutes: int = Field(strict=True, ge=1, le=120, description="1 to 120")
    activity: Activity
    modality: Modality | None = Field(
        None, description="with patient_communication only; video and phone are real-time interactive"
    )
    occurred_at: Annotated[InstantIn, AfterValidator(_not_in_future)] = Field(
        description="with an offset; not in the future"
    )
    note: str | None = Field(None, max_length=2000)


class TimeEntryOut(OutputModel):
    id: uuid.UUID
    patient_id: uuid.UUID
    author_id: uuid.UUID
    minutes: int
    activity: str
    modality: str | None
    interactive: bool
    occurred_at: UtcDatetime
    note: str | None
    created_at: UtcDatetime


class TimeEntryPage(PageOut[TimeEntryOut]):
    pass


class TimeEntryQuery(DateRangeQuery):
    pass


class PeriodOut(OutputModel):
    start: date
    end: date
    data_days: int = Field(
        description="local days (patient's zone) with a log, outcome or patient-reported reading"
    )
    supply_code: Literal["98985", "98977"] | None
    complete: bool = Field(description="the period has run its 30 days (or the episode ended)")


class MonthOut(OutputModel):
    month: str = Field(description="calendar month YYYY-MM on the clinic's clock (CLINIC_TIMEZONE)")
    minutes: int
    interactive: bool = Field(description="a video or phone contact, or a completed visit, that month")
    management_codes: list[str]


class RtmOut(OutputModel):
    episode: EpisodeOut | None
    periods: list[PeriodOut]
    months: list[MonthOut]
    setup_code: Literal["98975"] | None
    setup_qualified_on: date | None = Field(description="the episode's second data day")


class BillingQuery(PageQuery):
    month: Month | None = Field(None, description="YYYY-MM; default: this month on the clinic's clock")
    therapist_id: uuid.UUID | None = Field(None, description="admins: one therapist's caseload only")


class BillingRowOut(OutputModel):
    patient_id: uuid.UUID
    episode_id: uuid.UUID
    first_name: str
    last_name: str
    date_of_birth: date
    month: str
    minutes: int
    interactive: bool
    management_codes: list[str]
    setup_code: Literal["98975"] | None = Field(description="when the set-up qualified in this month")
    supply_codes: list[str]
    periods: list[PeriodOut] = Field(description="the 30-day periods ending in this month")


class BillingPage(PageOut[BillingRowOut]):
    pass
