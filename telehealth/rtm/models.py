"""RTM episodes, therapist time entries, and the time zones a monitored patient lived in."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from telehealth.common.models import IdMixin
from telehealth.common.time import utcnow
from telehealth.extensions import Model


class Activity(enum.StrEnum):
    DATA_REVIEW = "data_review"
    PROGRAM_UPDATE = "program_update"
    PATIENT_COMMUNICATION = "patient_communication"


class Modality(enum.StrEnum):
    VIDEO = "video"
    PHONE = "phone"
    MESSAGE = "message"


# Only synchronous contact is the real-time interactive communication management needs.
INTERACTIVE_MODALITIES = frozenset({Modality.VIDEO, Modality.PHONE})


class RtmEpisode(IdMixin, Model):
    """One monitoring episode, opened with the patient's recorded consent."""

    __tablename__ = "rtm_episodes"
    __table_args__ = (
        # At most one open episode per patient, even when two enrolments race.
        Index(
            "uq_rtm_episodes_open_patient",
            "patient_id",
            unique=True,
            postgresql_where=text("ended_on IS NULL"),
            sqlite_where=text("ended_on IS NULL"),
        ),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[date]
    ended_on: Mapped[date | None]
    consent_recorded_at: Mapped[datetime]
    consent_recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TimeEntry(IdMixin, Model):
    """Minutes a therapist spent managing a patient's home program."""

    __tablename__ = "rtm_time_entries"
    __table_args__ = (Index("ix_rtm_time_entries_patient_occurred", "patient_id", "occurred_at"),)

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    minutes: Mapped[int]
    activity: Mapped[Activity]
    modality: Mapped[Modality | None]
    interactive: Mapped[bool]
    occurred_at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ZoneChange(IdMixin, Model):
    """From `since`, a monitored patient's local days are read in `timezone`.

    Data days already counted must not move when a patient later changes zone.
    """

    __tablename__ = "rtm_zone_changes"
    __table_args__ = (Index("ix_rtm_zone_changes_patient_since", "patient_id", "since"),)

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    since: Mapped[datetime]
    timezone: Mapped[str] = mapped_column(String(64))
