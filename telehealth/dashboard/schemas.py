"""Shapes of the caseload dashboard, the adherence read-out and the report's query."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, Field

from telehealth.common.schemas import DateIn, OutputModel, PageOut, PageQuery, QueryModel, UtcDatetime
from telehealth.dashboard.service import Flag

# Far-off dates are typos; the bounds also keep date arithmetic in range.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)


def _within_bounds(value: date) -> date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(f"must be between {EARLIEST_DATE} and {LATEST_DATE}")
    return value


LocalDateParam = Annotated[DateIn, AfterValidator(_within_bounds)]


class PeriodQuery(QueryModel):
    from_: LocalDateParam | None = Field(
        None, alias="from", description="first local date (YYYY-MM-DD in the patient's zone), included"
    )
    to: LocalDateParam | None = Field(
        None, description="last local date, included; default: today in the patient's zone"
    )


class CaseloadQuery(PageQuery):
    flag: Flag | None = Field(None, description="only patients raising this flag")


class CaseloadPatientOut(OutputModel):
    id: uuid.UUID
    first_name: str
    last_name: str
    status: str
    timezone: str


class CaseloadItemOut(OutputModel):
    patient: CaseloadPatientOut
    adherence_7d: float | None = Field(
        description="done / planned over the 7 local days before today; null when nothing was planned"
    )
    last_activity_at: UtcDatetime | None = Field(description="when the latest progress log was performed")
    avg_pain_7d: float | None = Field(
        description="mean logged pain (0-10, one decimal) over the last 7 local days, today included"
    )
    pain_change: float | None = Field(
        description="the 7-day mean minus the mean of the 7 days before, taken from the unrounded means "
        "(which the pain_increase flag compares) and then rounded to one decimal"
    )
    rom_asymmetry_degrees: float | None = Field(description="as in the patient's rom-summary")
    next_session_at: UtcDatetime | None = Field(description="start of the next scheduled visit")
    flags: list[Flag]


class CaseloadPage(PageOut[CaseloadItemOut]):
    pass


class AdherenceDayOut(OutputModel):
    date: date
    planned: int
    done: int
    rate: float | None = Field(description="done / planned; null when nothing was planned")


class AdherenceOut(OutputModel):
    days: list[AdherenceDayOut]
    rate: float | None = Field(description="done / planned over all the days; null when nothing was planned")
