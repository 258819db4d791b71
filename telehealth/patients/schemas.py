from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from pydantic import EmailStr, Field, field_validator

from telehealth.accounts.schemas import PENDING_EMAIL
from telehealth.common.schemas import (
    DateIn,
    InputModel,
    Name,
    OutputModel,
    PageOut,
    PageQuery,
    PatchModel,
    Timezone,
    UtcDatetime,
)
from telehealth.patients.models import Condition, PatientStatus

Phone = Annotated[str, Field(pattern=r"^\+?[0-9][0-9 ().-]{5,24}$", max_length=32)]
Conditions = Annotated[list[Condition], Field(max_length=len(Condition))]
Threshold = Annotated[float, Field(gt=0, le=90)]


def _check_birth_date(value: date | None) -> date | None:
    if value is not None and not (date(1900, 1, 1) <= value <= date.today()):
        raise ValueError("must be a real date of birth, not in the future")
    return value


class PatientIn(InputModel):
    email: EmailStr = Field(max_length=254)
    first_name: Name
    last_name: Name
    date_of_birth: DateIn
    timezone: Timezone
    phone: Phone | None = None
    conditions: Conditions = []
    therapist_id: uuid.UUID | None = None

    _birth = field_validator("date_of_birth")(_check_birth_date)


class PatientPatch(PatchModel):
    NULLABLE = frozenset({"phone", "conditions"})

    email: EmailStr | None = Field(None, max_length=254)
    first_name: Name | None = None
    last_name: Name | None = None
    date_of_birth: DateIn | None = None
    timezone: Timezone | None = None
    phone: Phone | None = None
    conditions: Conditions | None = None
    rom_asymmetry_threshold_degrees: Threshold | None = None

    _birth = field_validator("date_of_birth")(_check_birth_date)


class PatientOut(OutputModel):
    id: uuid.UUID
    user_id: uuid.UUID
    email: str
    pending_email: str | None = Field(description=PENDING_EMAIL)
    first_name: str
    last_name: str
    date_of_birth: date
    timezone: str
    phone: str | None
    conditions: list[str]
    status: str
    therapist_ids: list[uuid.UUID]
    rom_asymmetry_threshold_degrees: float
    discharged_at: UtcDatetime | None
    discharge_reason: str | None
    created_at: UtcDatetime
    updated_at: UtcDatetime


class PatientPage(PageOut[PatientOut]):
    pass


class PatientQuery(PageQuery):
    q: str | None = Field(None, max_length=100)
    status: PatientStatus | None = None


class DischargeIn(InputModel):
    reason: str | None = Field(None, max_length=2000)
