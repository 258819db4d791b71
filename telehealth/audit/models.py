"""The audit trail: append-only, one row per read, write or refusal."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import Index, String, event
from sqlalchemy.orm import Mapped, mapped_column

from telehealth.accounts.models import Role
from telehealth.common.models import IdMixin
from telehealth.common.time import utcnow
from telehealth.extensions import Model


class AuditOutcome(enum.StrEnum):
    SUCCESS = "success"
    DENIED = "denied"  # 401, 403, 404: the caller may not, or may not know
    REJECTED = "rejected"  # any other 4xx
    ERROR = "error"  # 5xx


class AuditEvent(IdMixin, Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_patient_at", "patient_id", "at"),
        Index("ix_audit_events_actor_at", "actor_id", "at"),
    )

    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Plain columns, not foreign keys: the trail outlives what it describes,
    # and a refused attempt may name an id that does not exist.
    actor_id: Mapped[uuid.UUID | None]
    actor_role: Mapped[Role | None]
    action: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[AuditOutcome]
    status_code: Mapped[int]
    resource_type: Mapped[str | None] = mapped_column(String(32))
    resource_id: Mapped[str | None] = mapped_column(String(64))
    patient_id: Mapped[uuid.UUID | None]
    ip: Mapped[str | None] = mapped_column(String(45))
    request_id: Mapped[str | None] = mapped_column(String(64))


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_change(mapper: object, connection: object, target: AuditEvent) -> None:
    raise RuntimeError("audit events are append-only")
