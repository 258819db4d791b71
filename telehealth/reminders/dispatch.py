"""The scan: plan what is due, recover what a lost worker left behind, claim due rows for sending."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import select, update

from telehealth import jobs
from telehealth.common.time import utcnow
from telehealth.extensions import db
from telehealth.reminders.models import Channel, Notification, Status
from telehealth.reminders.planner import plan_daily


@dataclass
class ScanResult:
    planned_patients: int = 0
    claimed: list[uuid.UUID] = field(default_factory=list)
    skipped_late: int = 0
    recovered: int = 0


def _set_status(ids: list[uuid.UUID], status: Status, now: datetime, **values: object) -> None:
    if ids:
        db.session.execute(
            update(Notification)
            .where(Notification.id.in_(ids))
            .values(status=status, status_changed_at=now, updated_at=now, **values)
        )


def recover_stuck(now: datetime) -> tuple[list[uuid.UUID], int]:
    """Rows a dead worker left queued or mid-send. Email and push are resent under the same
    message id or topic; an SMS that may have gone out is never resent."""
    cutoff = now - current_app.config["REMINDER_STUCK_AFTER"]
    stuck = db.session.execute(
        select(Notification.id, Notification.status, Notification.channel)
        .where(
            Notification.status.in_([Status.QUEUED, Status.SENDING]), Notification.status_changed_at < cutoff
        )
        .with_for_update(skip_locked=True)
    ).all()
    requeue = [row.id for row in stuck if row.status == Status.QUEUED or row.channel != Channel.SMS]
    unknown = [row.id for row in stuck if row.status == Status.SENDING and row.channel == Channel.SMS]
    _set_status(requeue, Status.QUEUED, now)
    _set_status(
        unknown,
        Status.FAILED,
        now,
        error="A worker was lost while sending this SMS; its outcome is unknown, so it was not resent.",
    )
    return requeue, len(stuck)


def claim_due(now: datetime, limit: int) -> tuple[list[uuid.UUID], int]:
    rows = db.session.execute(
        select(Notification.id, Notification.scheduled_for, Notification.attempts)
        .where(Notification.status == Status.PENDING, Notification.next_attempt_at <= now)
        .order_by(Notification.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    max_late = current_app.config["REMINDER_MAX_LATENESS"]
    late = [row for row in rows if row.attempts == 0 and now - row.scheduled_for > max_late]
    for row in late:
        minutes = int((now - row.scheduled_for).total_seconds() // 60)
        _set_status([row.id], Status.SKIPPED, now, error=f"Not sent: {minutes} minutes late (limit 2 hours).")
    claimed = [row.id for row in rows if row not in late]
    _set_status(claimed, Status.QUEUED, now)
    return claimed, len(late)


def scan(now: datetime | None = None) -> ScanResult:
    """One pass. The caller commits; `scan_and_hand_off` queues the claimed rows in batches."""
    now = now or utcnow()
    limit = current_app.config["REMINDER_SCAN_LIMIT"]
    result = ScanResult(planned_patients=plan_daily(now, limit))
    requeued, result.recovered = recover_stuck(now)
    claimed, result.skipped_late = claim_due(now, limit)
    result.claimed = requeued + claimed
    db.session.flush()
    return result


def scan_and_hand_off(now: datetime | None = None) -> ScanResult:
    """Scan, then queue one send task per batch once the claim has committed."""
    result = scan(now)
    size = current_app.config["REMINDER_BATCH_SIZE"]
    for start in range(0, len(result.claimed), size):
        jobs.send_reminders(result.claimed[start : start + size])
    return result
