from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field, PlainValidator, ValidationError

from telehealth.common.models import BodySide
from telehealth.common.schemas import InputModel, InstantIn, OutputModel, PageOut, PageQuery, UtcDatetime

MAX_BATCH = 500


def _check_instant(value: datetime) -> datetime:
    # Bounded first, so converting a far-off year to UTC cannot overflow.
    if not 2000 <= value.year <= 2100:
        raise ValueError("must be a real instant between the years 2000 and 2100")
    return value.astimezone(UTC)


Instant = Annotated[InstantIn, AfterValidator(_check_instant)]


class ProgressLogIn(InputModel):
    id: uuid.UUID = Field(description="chosen by the client; sending it again never adds a second log")
    assignment_id: uuid.UUID
    performed_at: Instant = Field(
        description="with an offset; at most 5 minutes ahead, at most 30 days old, "
        "not before the assignment's start date"
    )
    sets_completed: Annotated[int, Field(ge=1, le=20)]
    reps_completed: Annotated[int, Field(ge=0, le=100)] | None = None
    hold_seconds: Annotated[int, Field(ge=0, le=600)] | None = None
    side: BodySide | None = Field(None, description="for a `both` assignment, the side this log covers")
    pain_score: Annotated[int, Field(ge=0, le=10)]
    difficulty: Annotated[int, Field(ge=1, le=5)] | None = None
    notes: Annotated[str, Field(max_length=2000)] | None = None

    def fields(self) -> dict[str, Any]:
        return self.model_dump(mode="python") | {"side": self.side.value if self.side else None}


def _as_sent(raw: Any) -> Any:
    return raw


# Documented as a progress log, kept as sent: parse_log checks each alone, so one bad log sinks no other.
BatchLog = Annotated[Any, PlainValidator(_as_sent, json_schema_input_type=ProgressLogIn)]


class BatchIn(InputModel):
    logs: Annotated[
        list[BatchLog],
        Field(
            min_length=1,
            max_length=MAX_BATCH,
            description="each log answered on its own: an invalid one does not stop the others",
        ),
    ]


def parse_log(raw: Any) -> tuple[str | None, dict[str, Any] | None, dict[str, list[str]] | None]:
    """(the id as sent, the valid fields or None, the errors by field or None)."""
    raw_id = raw.get("id") if isinstance(raw, dict) else None
    shown_id = str(raw_id) if isinstance(raw_id, str | int) else None
    try:
        return shown_id, ProgressLogIn.model_validate(raw).fields(), None
    except ValidationError as error:
        errors: dict[str, list[str]] = {}
        for detail in error.errors():
            field = ".".join(str(part) for part in detail["loc"]) or "_schema"
            errors.setdefault(field, []).append(detail["msg"])
        return shown_id, None, errors


class ProgressLogOut(OutputModel):
    id: uuid.UUID
    patient_id: uuid.UUID
    assignment_id: uuid.UUID
    performed_at: UtcDatetime
    sets_completed: int
    reps_completed: int | None
    hold_seconds: int | None
    side: str | None
    pain_score: int
    difficulty: int | None
    notes: str | None
    recorded_by: uuid.UUID
    created_at: UtcDatetime


class ProgressLogPage(PageOut[ProgressLogOut]):
    pass


class BatchResultOut(OutputModel):
    id: str | None
    status: str = Field(description="created, duplicate, conflict or invalid")
    errors: dict[str, list[str]] | None = None


class BatchOut(OutputModel):
    results: list[BatchResultOut]


class ProgressLogQuery(PageQuery):
    from_: Instant | None = Field(None, alias="from")
    to: Instant | None = None
    assignment_id: uuid.UUID | None = None
