"""Reminder settings, push subscriptions, the delivery log and unsubscribe links."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Flask
from sqlalchemy import select

from telehealth.accounts.models import User
from telehealth.common import events
from telehealth.common.pagination import Page, paginate
from telehealth.errors import BadRequest, NotFound, ValidationFailed
from telehealth.extensions import db
from telehealth.patients.models import Patient
from telehealth.reminders import planner
from telehealth.reminders.messages import read_unsubscribe_token
from telehealth.reminders.models import Channel, Notification, PushSubscription, ReminderSettings, Status


def get_settings(patient: Patient) -> ReminderSettings:
    return planner.ensure_settings(patient)


def update_settings(patient: Patient, changes: dict[str, Any]) -> ReminderSettings:
    settings = planner.ensure_settings(patient)
    merged_start = changes.get("quiet_hours_start", settings.quiet_hours_start)
    merged_end = changes.get("quiet_hours_end", settings.quiet_hours_end)
    if (merged_start is None) != (merged_end is None):
        raise ValidationFailed.field("quiet_hours_end", "set both quiet-hour bounds, or neither")
    if Channel.SMS in changes.get("channels", []) and not patient.phone:
        raise ValidationFailed.field("channels", "add a phone number to the patient before choosing sms")
    for name, value in changes.items():
        setattr(settings, name, value)
    db.session.flush()
    planner.replan_patient(patient)
    return settings


def list_notifications(
    patient: Patient, *, kind: str | None, status: str | None, page: int, per_page: int
) -> Page:
    stmt = (
        select(Notification)
        .where(Notification.patient_id == patient.id)
        .order_by(Notification.scheduled_for.desc(), Notification.id)
    )
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    if status == Status.PENDING:
        # Rows on their way out still read as pending to clients.
        stmt = stmt.where(Notification.status.in_([Status.PENDING, Status.QUEUED, Status.SENDING]))
    elif status:
        stmt = stmt.where(Notification.status == status)
    return paginate(stmt, page, per_page)


def add_push_subscription(user: User, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    existing = db.session.scalar(
        select(PushSubscription).where(
            PushSubscription.user_id == user.id, PushSubscription.endpoint == endpoint
        )
    )
    if existing is not None:
        existing.p256dh, existing.auth = p256dh, auth
        return existing
    subscription = PushSubscription(user_id=user.id, endpoint=endpoint, p256dh=p256dh, auth=auth)
    db.session.add(subscription)
    db.session.flush()
    return subscription


def remove_push_subscription(user: User, subscription_id: uuid.UUID) -> None:
    subscription = db.session.get(PushSubscription, subscription_id)
    if subscription is None or subscription.user_id != user.id:
        raise NotFound("No such push subscription.")
    db.session.delete(subscription)


def unsubscribe(token: str) -> tuple[uuid.UUID, str]:
    """Turn the channel named by a signed link off; doing it twice changes nothing more."""
    read = read_unsubscribe_token(token)
    if read is None or read[1] not in set(Channel):
        raise BadRequest("This unsubscribe link is not valid.")
    patient_id, channel = read
    patient = db.session.get(Patient, patient_id)
    if patient is None:
        raise NotFound("This unsubscribe link is no longer valid.")
    settings = planner.ensure_settings(patient)
    if channel in settings.channels:
        settings.channels = [c for c in settings.channels if c != channel]
    return patient_id, channel


def _on_patient_created(patient: Patient, **_: Any) -> None:
    planner.ensure_settings(patient)


def _on_patient_changed(patient: Patient, **_: Any) -> None:
    # A new time zone moves the daily check and every pending reminder; a discharge stops them.
    planner.replan_patient(patient)


def _on_visit_changed(visit: Any, **_: Any) -> None:
    planner.sync_visit(visit)


def init_app(app: Flask) -> None:
    """Keep each patient's reminders planned as patients and visits change (connecting twice is one
    connection: blinker keys receivers by function)."""
    events.patient_created.connect(_on_patient_created)
    events.patient_changed.connect(_on_patient_changed)
    events.visit_changed.connect(_on_visit_changed)
