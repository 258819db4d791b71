"""Reminder settings, push subscriptions, and the notification outbox."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime, time

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from telehealth.common.models import IdMixin, TimestampMixin
from telehealth.common.time import utcnow
from telehealth.extensions import Model


class Channel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"
    PUSH = "push"


class Kind(enum.StrEnum):
    EXERCISE = "exercise_reminder"
    SESSION = "session_reminder"
    INACTIVITY = "inactivity_nudge"


class Status(enum.StrEnum):
    PENDING = "pending"
    QUEUED = "queued"  # handed to a send task, not yet picked up
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


DEFAULT_REMINDER_TIME = time(18, 0)
DEFAULT_QUIET_START = time(21, 0)
DEFAULT_QUIET_END = time(8, 0)
DEFAULT_SESSION_OFFSETS = [1440, 60]
DEFAULT_INACTIVITY_DAYS = 3


class ReminderSettings(TimestampMixin, Model):
    """One row per patient; `next_daily_at` is the precomputed, indexed moment of the next daily check."""

    __tablename__ = "reminder_settings"

    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(default=True)
    exercise_reminder_time: Mapped[time] = mapped_column(default=DEFAULT_REMINDER_TIME)
    channels: Mapped[list[str]] = mapped_column(JSON, default=lambda: [Channel.EMAIL.value])
    quiet_hours_start: Mapped[time | None] = mapped_column(default=DEFAULT_QUIET_START)
    quiet_hours_end: Mapped[time | None] = mapped_column(default=DEFAULT_QUIET_END)
    session_reminder_offsets_minutes: Mapped[list[int]] = mapped_column(
        JSON, default=lambda: list(DEFAULT_SESSION_OFFSETS)
    )
    inactivity_days: Mapped[int] = mapped_column(default=DEFAULT_INACTIVITY_DAYS)
    # Null when the patient needs no daily check (disabled or discharged).
    next_daily_at: Mapped[datetime | None] = mapped_column(index=True)
    last_inactivity_nudge_on: Mapped[date | None]


class PushSubscription(IdMixin, Model):
    __tablename__ = "push_subscriptions"
    __table_args__ = (UniqueConstraint("user_id", "endpoint"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(1024))
    p256dh: Mapped[str] = mapped_column(String(256))
    auth: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(IdMixin, TimestampMixin, Model):
    """The outbox: every reminder is a row first; the unique key makes a second copy impossible."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("patient_id", "kind", "occurrence", "channel"),
        # The dispatcher's scan: due rows by status and time, nothing else.
        Index("ix_notifications_status_next_attempt", "status", "next_attempt_at"),
        Index("ix_notifications_patient_created", "patient_id", "created_at"),
        Index("ix_notifications_visit", "visit_id"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    kind: Mapped[Kind]
    channel: Mapped[Channel]
    # Which occurrence this belongs to: a local date, or visit:start:offset.
    occurrence: Mapped[str] = mapped_column(String(128))
    visit_id: Mapped[uuid.UUID | None]
    scheduled_for: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    status: Mapped[Status] = mapped_column(default=Status.PENDING)
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    provider_message_id: Mapped[str | None] = mapped_column(String(255))
    sent_at: Mapped[datetime | None]
