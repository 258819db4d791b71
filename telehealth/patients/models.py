"""Patients and the care teams that give therapists their caseload."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from telehealth.accounts.models import PersonMixin, User
from telehealth.common.models import IdMixin, TimestampMixin
from telehealth.common.time import utcnow
from telehealth.extensions import Model


class PatientStatus(enum.StrEnum):
    ACTIVE = "active"
    DISCHARGED = "discharged"


class Condition(enum.StrEnum):
    LOW_BACK_PAIN = "low_back_pain"
    HIP_MOBILITY_DEFICIT = "hip_mobility_deficit"
    HIP_OSTEOARTHRITIS = "hip_osteoarthritis"
    SACROILIAC_JOINT_DYSFUNCTION = "sacroiliac_joint_dysfunction"
    SCIATICA = "sciatica"
    SPINAL_OSTEOARTHRITIS = "spinal_osteoarthritis"
    HERNIATED_LUMBAR_DISC = "herniated_lumbar_disc"
    PREGNANCY_RELATED_PAIN = "pregnancy_related_pain"
    MUSCLE_STRAIN = "muscle_strain"
    LIGAMENT_SPRAIN = "ligament_sprain"


class Patient(IdMixin, TimestampMixin, PersonMixin, Model):
    __tablename__ = "patients"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), unique=True)
    date_of_birth: Mapped[date]
    timezone: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32))
    conditions: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[PatientStatus] = mapped_column(default=PatientStatus.ACTIVE, index=True)
    discharged_at: Mapped[datetime | None]
    discharge_reason: Mapped[str | None] = mapped_column(Text)
    # Side-to-side difference in total hip rotation that raises the flag (DOMAIN.md).
    rom_asymmetry_threshold_degrees: Mapped[float] = mapped_column(default=10.0)

    # The account and the care team are part of the profile: queries that list patients load them
    # (joinedload, selectinload); a lone patient, read again after a commit, fetches them on access.
    user: Mapped[User] = relationship(lazy="select", innerjoin=True)
    care_team: Mapped[list[CareTeamMember]] = relationship(
        back_populates="patient", lazy="select", cascade="all, delete-orphan"
    )

    @property
    def therapist_ids(self) -> list[uuid.UUID]:
        return [member.therapist_id for member in self.care_team]

    @property
    def is_active(self) -> bool:
        return self.status == PatientStatus.ACTIVE


class CareTeamMember(Model):
    __tablename__ = "care_team_members"
    __table_args__ = (UniqueConstraint("patient_id", "therapist_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    therapist_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("therapists.id"), index=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    patient: Mapped[Patient] = relationship(back_populates="care_team", lazy="raise_on_sql")
