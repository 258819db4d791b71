"""Jobs handed to the broker, recorded in the same transaction as the work that asked for them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from telehealth.common.models import IdMixin
from telehealth.common.time import utcnow
from telehealth.extensions import Model


class OutboxJob(IdMixin, Model):
    """A task the app queued after a commit; `dispatched_at` is set once the broker took it."""

    __tablename__ = "outbox_jobs"
    __table_args__ = (Index("ix_outbox_jobs_dispatched_created", "dispatched_at", "created_at"),)

    task_name: Mapped[str] = mapped_column(String(100))
    args: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    dispatched_at: Mapped[datetime | None]
    # Set when a hand-off failed (broker down): the next dispatch pass takes it at once.
    failed_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
