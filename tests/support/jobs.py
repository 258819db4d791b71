"""Running queued jobs in the test process, as the worker would run them."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from telehealth.extensions import db
from telehealth.jobs.models import OutboxJob


def run_queued_jobs(task_name: str | None = None) -> list[OutboxJob]:
    """Run each job queued since the last call (of that task, or of any), oldest first; returns them."""
    import worker.tasks  # noqa: F401  (registers the shared tasks)

    done: set = current_app.extensions.setdefault("tests.jobs_run", set())
    stmt = select(OutboxJob).order_by(OutboxJob.created_at, OutboxJob.id)
    if task_name is not None:
        stmt = stmt.where(OutboxJob.task_name == task_name)
    queued = [job for job in db.session.scalars(stmt) if job.id not in done]
    tasks = current_app.extensions["celery"].tasks
    for job in queued:
        done.add(job.id)
        tasks[job.task_name].run(*job.args)
    return queued
