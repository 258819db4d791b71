"""A Bulk Data export the worker runs for the whole clinic."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from telehealth.common.models import IdMixin
from telehealth.common.time import utcnow
from telehealth.extensions import Model


class ExportStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class FhirExport(IdMixin, Model):
    __tablename__ = "fhir_exports"

    requested_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    request_url: Mapped[str] = mapped_column(String(300))
    # The instant the data is read as of (Bulk Data's transactionTime).
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[ExportStatus] = mapped_column(default=ExportStatus.QUEUED)
    patients_total: Mapped[int] = mapped_column(default=0)
    patients_done: Mapped[int] = mapped_column(default=0)
    # [{type, count}] once completed; the files lie under the instance folder, named by type.
    output: Mapped[list] = mapped_column(JSON, default=list)
    completed_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
