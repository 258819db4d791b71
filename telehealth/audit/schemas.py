from __future__ import annotations

import uuid

from telehealth.common.schemas import DateRangeQuery, OutputModel, PageOut, UtcDatetime


class AuditQuery(DateRangeQuery):
    patient_id: uuid.UUID | None = None
    actor_id: uuid.UUID | None = None


class AuditEventOut(OutputModel):
    id: uuid.UUID
    at: UtcDatetime
    actor_id: uuid.UUID | None
    actor_role: str | None
    action: str
    outcome: str
    status_code: int
    resource_type: str | None
    resource_id: str | None
    patient_id: uuid.UUID | None
    ip: str | None
    request_id: str | None


class AuditEventPage(PageOut[AuditEventOut]):
    pass
