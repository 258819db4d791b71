"""Shapes every domain's schemas build on."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    field_validator,
)

from telehealth.common.pagination import DEFAULT_PER_PAGE, MAX_PER_PAGE
from telehealth.common.time import is_valid_timezone, isoformat_z

# RFC 3339 date-time: a "T" between date and time and an offset; no numbers, spaces or naive times.
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", re.ASCII)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def _rfc3339_text(value: Any) -> Any:
    # Pydantic's lax mode would read 1796031029 or "2026-11-23 09:00:00Z"; the contract says RFC 3339.
    if isinstance(value, datetime) or (isinstance(value, str) and _RFC3339.fullmatch(value)):
        return value
    raise ValueError("must be an RFC 3339 instant with an offset, such as 2026-03-10T09:30:00-05:00")


def _iso_date_text(value: Any) -> Any:
    # Pydantic's lax mode would read 1700000000 or "2026-03-10T00:00" as a date; the contract says YYYY-MM-DD.
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
        return value
    raise ValueError("must be a date written YYYY-MM-DD")


def _as_utc(value: datetime) -> datetime:
    # An offset pushing year 1 or 9999 past the calendar's edge is bad input, not a server error.
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is out of range") from None


# Output instants are UTC with a Z; input instants must carry an offset and are read as UTC.
UtcDatetime = Annotated[datetime, PlainSerializer(isoformat_z, return_type=str)]
InstantIn = Annotated[AwareDatetime, BeforeValidator(_rfc3339_text), AfterValidator(_as_utc)]
DateIn = Annotated[date, BeforeValidator(_iso_date_text)]


def _check_timezone(value: str) -> str:
    if not is_valid_timezone(value):
        raise ValueError("must be an IANA time zone name such as America/New_York, or UTC")
    return value


# Bounded like the column that stores it (patients.timezone, 64).
Timezone = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_check_timezone)]
Name = Annotated[str, Field(min_length=1, max_length=100)]


class InputModel(BaseModel):
    """Request bodies: unknown fields are refused, so nothing is silently ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PatchModel(InputModel):
    """Partial updates: a field may be left out but, when sent, may be null only if NULLABLE says so."""

    NULLABLE: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _no_null_for_required(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.NULLABLE:
            raise ValueError("may not be null")
        return value

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class QueryModel(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class OutputModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PageQuery(QueryModel):
    page: int = Field(1, ge=1, le=1_000_000)
    per_page: int = Field(DEFAULT_PER_PAGE, ge=1, le=MAX_PER_PAGE)


T = TypeVar("T")


class PageOut(OutputModel, Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int


class DateRangeQuery(PageQuery):
    from_: InstantIn | None = Field(None, alias="from")
    to: InstantIn | None = None


__all__ = [
    "DateIn",
    "DateRangeQuery",
    "InputModel",
    "InstantIn",
    "Name",
    "OutputModel",
    "PageOut",
    "PageQuery",
    "PatchModel",
    "QueryModel",
    "Timezone",
    "UtcDatetime",
    "date",
    "uuid",
]
