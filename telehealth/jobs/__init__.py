"""Celery bound to the Flask app, and the one way the app hands work to it."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from celery import Celery, Task
from flask import Flask, current_app
from sqlalchemy import delete, or_, select, update

from telehealth.common.time import utcnow
from telehealth.common.tx import on_commit, own_session, transaction
from telehealth.extensions import db
from telehealth.jobs.models import OutboxJob

log = logging.getLogger(__name__)

# Task names: the API queues by name, so services never import the worker.
SEND_INVITATION = "accounts.send_invitation"
SEND_PASSWORD_RESET = "accounts.send_password_reset"  # noqa: S105
SEND_EMAIL_CHANGE = "accounts.send_email_change"
PURGE_EXPIRED_CREDENTIALS = "accounts.purge_expired_credentials"
REMINDER_SCAN = "reminders.scan"
REMINDER_SEND = "reminders.send"
DISPATCH_PENDING_JOBS = "jobs.dispatch_pending"
FHIR_EXPORT = "fhir.export"
SEND_SCREENING_CONFIRMATION = "scheduling.send_screening_confirmation"
SEND_SCREENING_BOOKED = "scheduling.send_screening_booked"
SEND_SCREENING_DECLINED = "scheduling.send_screening_declined"
PURGE_SCREENING_REQUESTS = "scheduling.purge_screening_requests"
PURGE_EXPIRED_EXPORTS = "fhir.purge_expired_exports"

# A job not handed over this long after its commit is taken by the next dispatch pass.
HAND_OFF_GRACE = timedelta(seconds=30)


def celery_init_app(app: Flask) -> Celery[Any]:
    class FlaskTask(Task):
        # Every task is one unit of work in its own app context (which removes the session after).
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context(), transaction():
                return self.run(*args, **kwargs)

    broker_url = app.config["CELERY_BROKER_URL"]
    transport_options: dict[str, Any] = {}
    if broker_url.startswith("filesystem"):
        folder = app.config["CELERY_BROKER_DIR"]
        for sub in ("out", "processed", "control"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        transport_options = {
            "data_folder_in": str(folder / "out"),
            "data_folder_out": str(folder / "out"),
            "processed_folder": str(folder / "processed"),
            # Without this kombu keeps its control exchange in ./control, wherever it was started.
            "control_folder": str(folder / "control"),
            "store_processed": False,
        }
    elif broker_url.startswith("redis"):
        # Longer than any countdown we use, so Redis never redelivers early.
        transport_options = {"visibility_timeout": 3600, "socket_connect_timeout": 3}

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.conf.update(
        broker_url=broker_url,
        broker_transport_options=transport_options,
        broker_connection_retry_on_startup=True,
        task_ignore_result=True,
        result_backend=None,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        timezone="UTC",
        enable_utc=True,
        # A request must not hang on a dead broker: fail fast, the caller logs it.
        task_publish_retry_policy={
            "max_retries": 2,
            "interval_start": 0,
            "interval_step": 0.2,
            "interval_max": 0.5,
        },
        beat_schedule={
            "purge-expired-credentials": {
                "task": PURGE_EXPIRED_CREDENTIALS,
                "schedule": 3600.0,
            },
            "purge-expired-fhir-exports": {
                "task": PURGE_EXPIRED_EXPORTS,
                "schedule": 3600.0,
            },
            # Unconfirmed and declined screening requests' personal data goes on schedule.
            "purge-screening-requests": {
                "task": PURGE_SCREENING_REQUESTS,
                "schedule": 3600.0,
            },
            "dispatch-pending-jobs": {
                "task": DISPATCH_PENDING_JOBS,
                "schedule": float(app.config["REMINDER_SCAN_SECONDS"]),
                "options": {"expires": float(app.config["REMINDER_SCAN_SECONDS"])},
            },
            "reminders-scan": {
                "task": REMINDER_SCAN,
                "schedule": float(app.config["REMINDER_SCAN_SECONDS"]),
                # A scan that could not start within one period is replaced by the next one.
                "options": {"expires": float(app.config["REMINDER_SCAN_SECONDS"])},
            },
        },
        include=["worker.tasks"],
    )
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


def enqueue_after_commit(task_name: str, *args: Any, durable: bool = True) -> None:
    """Queue a task once the current transaction commits; never before, never on rollback.

    A durable job is also written to `outbox_jobs` inside the transaction, so if the broker is
    down at commit time the job is not lost: `dispatch_pending()` (run by beat) hands it over
    later. Work that keeps its own durable record (the reminder outbox) passes durable=False.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    job_id: uuid.UUID | None = None
    if durable:
        job = OutboxJob(task_name=task_name, args=list(args))
        db.session.add(job)
        db.session.flush()
        job_id = job.id

    def _send() -> None:
        try:
            _hand_off(app, task_name, list(args), job_id)
        except Exception:
            if job_id is not None:
                _mark(job_id, failed=True)
            raise

    _send.__name__ = f"enqueue:{task_name}"
    on_commit(db.session(), _send)


# Typed helpers: what each task takes, said once; services call these, never a task name.


def send_invitation(user_id: uuid.UUID) -> None:
    enqueue_after_commit(SEND_INVITATION, str(user_id))


def send_password_reset(email: str) -> None:
    enqueue_after_commit(SEND_PASSWORD_RESET, email)


def send_email_change(user_id: uuid.UUID) -> None:
    enqueue_after_commit(SEND_EMAIL_CHANGE, str(user_id))


def send_screening_confirmation(request_id: uuid.UUID) -> None:
    enqueue_after_commit(SEND_SCREENING_CONFIRMATION, str(request_id))


def send_screening_booked(visit_id: uuid.UUID) -> None:
    enqueue_after_commit(SEND_SCREENING_BOOKED, str(visit_id))


def send_screening_declined(request_id: uuid.UUID) -> None:
    enqueue_after_commit(SEND_SCREENING_DECLINED, str(request_id))


def send_reminders(notification_ids: list[uuid.UUID]) -> None:
    # The claimed rows are their own durable record (stuck ones are recovered by the scan).
    enqueue_after_commit(REMINDER_SEND, [str(i) for i in notification_ids], durable=False)


def _hand_off(app: Flask, task_name: str, args: list[Any], job_id: uuid.UUID | None) -> None:
    app.extensions["celery"].send_task(task_name, args=args)
    if job_id is not None:
        _mark(job_id, failed=False)


def _mark(job_id: uuid.UUID, *, failed: bool) -> None:
    # A session of its own: the request's session has just committed and may not write again.
    now = utcnow()
    values = {"failed_at": now} if failed else {"dispatched_at": now}
    with own_session() as session, transaction(session):
        session.execute(
            update(OutboxJob).where(OutboxJob.id == job_id).values(attempts=OutboxJob.attempts + 1, **values)
        )


def dispatch_pending(now: datetime | None = None, limit: int = 500) -> int:
    """Hand over jobs whose first hand-off failed or never happened; returns how many went."""
    now = now or utcnow()
    rows = db.session.scalars(
        select(OutboxJob)
        .where(
            OutboxJob.dispatched_at.is_(None),
            or_(OutboxJob.failed_at.is_not(None), OutboxJob.created_at < now - HAND_OFF_GRACE),
        )
        .order_by(OutboxJob.created_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    sent = 0
    for job in rows:
        try:
            app.extensions["celery"].send_task(job.task_name, args=job.args)
        except Exception as exc:  # the broker is still away: the rest wait for the next pass
            log.warning("broker unavailable, %d jobs wait: %s", len(rows) - sent, type(exc).__name__)
            break
        job.dispatched_at = now
        job.attempts += 1
        sent += 1
    # Handed-over jobs are kept a day for operators, then dropped.
    db.session.execute(delete(OutboxJob).where(OutboxJob.dispatched_at < now - timedelta(days=1)))
    return sent
