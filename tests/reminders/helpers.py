"""Running the scan and the send the way beat and a worker do, and reading what they left."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from telehealth.extensions import db
from telehealth.reminders.delivery import deliver
from telehealth.reminders.dispatch import scan
from telehealth.reminders.models import Notification, ReminderSettings


def run_scan_and_send(now: datetime) -> list[Notification]:
    result = scan(now)
    db.session.commit()
    if result.claimed:
        deliver(result.claimed, now)
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).order_by(Notification.created_at)))


def notes_of(patient, kind: str | None = None) -> list[Notification]:
    stmt = select(Notification).where(Notification.patient_id == patient.id)
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    return list(db.session.scalars(stmt))


def settings_of(patient) -> ReminderSettings:
    return db.session.get(ReminderSettings, patient.id)


def reminder_at(api, patient, hhmm: str, **extra) -> None:
    body = {"exercise_reminder_time": hhmm, "quiet_hours_start": None, "quiet_hours_end": None, **extra}
    response = api.put(f"/api/v1/patients/{patient.id}/reminder-settings", patient.user, json=body)
    assert response.status_code == 200, response.json
