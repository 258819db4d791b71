"""Hip range-of-motion readings and patient-reported outcome results."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from telehealth.common.models import BodySide, IdMixin, TimestampMixin
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


class Band(enum.StrEnum):
    """A score's severity band: the ODI's and the NPRS's words (the PSFS has none)."""

    NONE = "none"
    MILD = "mild"
    MINIMAL = "minimal"
    MODERATE = "moderate"
    SEVERE = "severe"
    CRIPPLED = "crippled"
    BED_BOUND = "bed_bound"


class Measurement(IdMixin, TimestampMixin, Model):
    """One range-of-motion reading of one hip movement on one side."""

    __tablename__ = "measurements"
    __table_args__ = (
        # The ROM summary takes the latest reading per patient, type and side.
        Index("ix_measurements_patient_type_side_measured", "patient_id", "type", "side", "measured_at"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    type: Mapped[RomType]
    side: Mapped[BodySide]
    degrees: Mapped[float]
    measured_at: Mapped[datetime]
    source: Mapped[Source]
    position: Mapped[Position | None]
    mode: Mapped[Mode | None]
    instrument: Mapped[RomInstrument | None]
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))


class Outcome(IdMixin, TimestampMixin, Model):
    """One completed questionnaire, scored as it was when completed."""

    __tablename__ = "outcomes"
    __table_args__ = (
        # Series and baselines are read per patient and instrument in completion order.
        Index("ix_outcomes_patient_instrument_completed", "patient_id", "instrument", "completed_at"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    instrument: Mapped[Instrument]
    answers: Mapped[list[Any]] = mapped_column(JSON)
    score: Mapped[float]
    interpretation: Mapped[Band | None]
    completed_at: Mapped[datetime]
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
