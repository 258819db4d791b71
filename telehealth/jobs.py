"""Celery bound to the Flask app, and the one way the app hands work to it."""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery, Task
from flask import Flask, current_app

from telehealth.common.tx import on_commit
from telehealth.extensions import db

log = logging.getLogger(__name__)

# Task names: the API queues by name, so services never import the worker.
SEND_INVITATION = "accounts.send_invitation"
SEND_PASSWORD_RESET = "accounts.send_password_reset"  # noqa: S105
PURGE_EXPIRED_CREDENTIALS = "accounts.purge_expired_credentials"
REMINDER_SCAN = "reminders.scan"
REMINDER_SEND = "reminders.send"


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
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


def enqueue_after_commit(task_name: str, *args: Any) -> None:
    """Queue a task once the current transaction commits; never before, never on rollback."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def _send() -> None:
        app.extensions["celery"].send_task(task_name, args=list(args))

    _send.__name__ = f"enqueue:{task_name}"
    on_commit(db.session(), _send)
