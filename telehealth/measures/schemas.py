"""Request and response shapes of ROM readings, the ROM summary and outcome results."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field, ValidationInfo, WithJsonSchema, field_validator

from telehealth.common.models import BodySide
from telehealth.common.schemas import (
    DateRangeQuery,
    InputModel,
    InstantIn,
    OutputModel,
    PageOut,
    PageQuery,
    QueryModel,
    UtcDatetime,
)
from telehealth.common.time import CLOCK_SKEW, utcnow
from telehealth.measures.models import Instrument, Mode, Position, RomInstrument, RomType, Source
from telehealth.measures.scoring import (
    MAX_DEGREES,
    PSFS_ACTIVITY_MAX_LENGTH,
    PSFS_MAX_ITEM,
    Direction,
    max_degrees,
)


def _not_in_future(value: datetime) -> datetime:
    if value > utcnow() + CLOCK_SKEW:
        raise ValueError("may not be in the future")
    return value


PastInstant = Annotated[InstantIn, AfterValidator(_not_in_future)]


class MeasurementIn(InputModel):
    type: RomType
    side: BodySide
    # Strict: a JSON true or "45" is a client bug, not a reading.
    degrees: float = Field(
        strict=True,
        ge=0,
        le=MAX_DEGREES,
        allow_inf_nan=False,
        description="0 to 180; 0 to 90 for hip internal and external rotation",
    )
    measured_at: PastInstant = Field(description="with an offset; not in the future")
    source: Source
    position: Position | None = None
    mode: Mode | None = None
    instrument: RomInstrument | None = None

    @field_validator("degrees")
    @classmethod
    def _within_the_movements_range(cls, degrees: float, info: ValidationInfo) -> float:
        rom_type = info.data.get("type")  # absent when the type itself was invalid
        if rom_type is not None and degrees > max_degrees(rom_type):
            raise ValueError(f"must be 0 to {max_degrees(rom_type)} for {rom_type}")
        return degrees


class MeasurementOut(OutputModel):
    id: uuid.UUID
    patient_id: uuid.UUID
    type: str
    side: str
    degrees: float
    measured_at: UtcDatetime
    source: str
    position: str | None
    mode: str | None
    instrument: str | None
    recorded_by_id: uuid.UUID
    created_at: UtcDatetime


class MeasurementPage(PageOut[MeasurementOut]):
    pass


class MeasurementQuery(DateRangeQuery):
    type: RomType | None = None
    side: BodySide | None = None


class RomSideOut(OutputModel):
    internal_rotation: float | None
    external_rotation: float | None
    total_rotation: float | None
    position: str | None = Field(description="the position both readings shown were taken in")
    measured_at: UtcDatetime | None = Field(description="the newer of the readings shown")


class PatientReportedRomOut(OutputModel):
    left: RomSideOut
    right: RomSideOut


class RomSummaryOut(OutputModel):
    left: RomSideOut
    right: RomSideOut
    asymmetry_degrees: float | None = Field(
        description="|left total - right total|, only when both sides have a clinician pair taken in the "
        "same position"
    )
    flagged: bool
    threshold_degrees: float
    measured_at: UtcDatetime | None
    readings: list[uuid.UUID] = Field(description="ids of the clinician readings the summary used")
    patient_reported: PatientReportedRomOut = Field(
        description="patient-reported readings, summarised apart by the same rule; they never set flagged"
    )


# What an answer may be, for the document; scoring.score_outcome checks each instrument's own rules.
ANSWER_SCHEMA = {
    "anyOf": [
        {"type": "integer", "minimum": 0, "maximum": PSFS_MAX_ITEM},
        {"type": "null"},
        {
            "type": "object",
            "properties": {
                "activity": {"type": "string", "minLength": 1, "maxLength": PSFS_ACTIVITY_MAX_LENGTH},
                "score": {"type": "integer", "minimum": 0, "maximum": PSFS_MAX_ITEM},
            },
            "required": ["activity", "score"],
            "additionalProperties": False,
        },
    ]
}
Answer = Annotated[Any, WithJsonSchema(ANSWER_SCHEMA)]


class OutcomeIn(InputModel):
    instrument: Instrument
    # Shape and ranges depend on the instrument: scoring.score_outcome checks them.
    answers: list[Answer] = Field(
        max_length=50,
        description="ODI: 10 integers 0-5, null for a skipped section; NPRS: [n], 0-10; "
        "PSFS: 3 to 5 objects {activity, score 0-10}",
    )
    completed_at: PastInstant = Field(description="with an offset; not in the future")


class OutcomeOut(OutputModel):
    id: uuid.UUID
    patient_id: uuid.UUID
    instrument: str
    answers: list[Any]
    score: float
    interpretation: str | None
    change_from_baseline: float | None
    meaningful_change: bool
    improved: bool | None
    direction: Direction | None = Field(
        description="improved, worsened or unchanged against the baseline (ODI and NPRS improve "
        "downwards, PSFS upwards); null on the baseline itself"
    )
    completed_at: UtcDatetime
    recorded_by_id: uuid.UUID
    created_at: UtcDatetime


class OutcomePage(PageOut[OutcomeOut]):
    pass


class OutcomeQuery(PageQuery):
    instrument: Instrument | None = None


class OdiFormQuery(QueryModel):
    language: str | None = Field(
        None,
        pattern=r"^[a-z]{2}(-[A-Za-z]{2})?$",
        max_length=5,
        description="a language code such as es; default: the clinic's first wording, English if it has one",
    )


class OdiSectionOut(OutputModel):
    key: str
    title: str = Field(description="the section's name in English; clients may show their own translation")
    answers: list[str] | None = Field(
        description="the clinic's wording of the answers 0 to 5; null when it provides none (show 0-5)"
    )


class OdiFormOut(OutputModel):
    language: str | None = Field(description="the language of the answer wording; null when there is none")
    min_answered: int
    max_answer: int
    sections: list[OdiSectionOut] = Field(description="the ten sections, in the order answers are sent")
