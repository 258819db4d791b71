"""Hip range-of-motion readings and patient-reported outcome results."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from telehealth.common.models import IdMixin, TimestampMixin
from telehealth.extensions import Model


class RomType(enum.StrEnum):
    HIP_INTERNAL_ROTATION = "hip_internal_rotation"
    HIP_EXTERNAL_ROTATION = "hip_external_rotation"
    HIP_FLEXION = "hip_flexion"
    HIP_EXTENSION = "hip_extension"
    HIP_ABDUCTION = "hip_abduction"


class Source(enum.StrEnum):
    CLINICIAN = "clinician"
    PATIENT_REPORTED = "patient_reported"


class Position(enum.StrEnum):
    SEATED = "seated"
    PRONE = "prone"
    SUPINE = "supine"


class Mode(enum.StrEnum):
    ACTIVE = "active"
    PASSIVE = "passive"


class RomInstrument(enum.StrEnum):
    GONIOMETER = "goniometer"
    INCLINOMETER = "inclinometer"
    VISUAL = "visual"


class Instrument(enum.StrEnum):
    """Outcome questionnaires."""

    ODI = "odi"
    NPRS = "nprs"
    PSFS = "psfs"


class Measurement(IdMixin, TimestampMixin, Model):
    """One range-of-motion reading of one hip movement on one side."""

    __tablename__ = "measurements"
    __table_args__ = (
        # The ROM summary takes the latest reading per patient, type and side.
        Index("ix_measurements_patient_type_side_measured", "patient_id", "type", "side", "measured_at"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(32))
    side: Mapped[str] = mapped_column(String(8))
    degrees: Mapped[float]
    measured_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(24))
    position: Mapped[str | None] = mapped_column(String(16))
    mode: Mapped[str | None] = mapped_column(String(16))
    instrument: Mapped[str | None] = mapped_column(String(16))
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))


class Outcome(IdMixin, TimestampMixin, Model):
    """One completed questionnaire, scored as it was when completed."""

    __tablename__ = "outcomes"
    __table_args__ = (
        # Series and baselines are read per patient and instrument in completion order.
        Index("ix_outcomes_patient_instrument_completed", "patient_id", "instrument", "completed_at"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    instrument: Mapped[str] = mapped_column(String(8))
    answers: Mapped[list[Any]] = mapped_column(JSON)
    score: Mapped[float]
    interpretation: Mapped[str | None] = mapped_column(String(16))
    completed_at: Mapped[datetime]
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
