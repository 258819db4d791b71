"""Jobs queued after a commit are recorded with it, so a broker outage cannot lose them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from telehealth import create_app, jobs
from telehealth.common.time import utcnow
from telehealth.extensions import db
from telehealth.jobs.models import OutboxJob


def _jobs() -> list[OutboxJob]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxJob)))


def test_a_job_is_recorded_with_its_transaction_and_marked_once_the_broker_takes_it(app):
    jobs.enqueue_after_commit(jobs.PURGE_EXPIRED_CREDENTIALS)
    db.session.commit()
    [job] = _jobs()
    assert job.task_name == jobs.PURGE_EXPIRED_CREDENTIALS and job.dispatched_at is not None


def test_a_rolled_back_transaction_queues_nothing(app):
    jobs.enqueue_after_commit(jobs.PURGE_EXPIRED_CREDENTIALS)
    db.session.rollback()
    assert _jobs() == []


def test_a_job_the_broker_refused_is_kept_for_the_next_pass():
    # The hand-off after Redis returns is proven on real Redis in
    # tests/integration/test_security_faults.py (invitation asked for while Redis is down).
    down = create_app("test", {"CELERY_BROKER_URL": "redis://127.0.0.1:1/0"})
    with down.app_context():
        db.create_all()
        jobs.enqueue_after_commit(jobs.SEND_INVITATION, "not-a-real-user")
        db.session.commit()  # the request still succeeds; the hand-off failure is logged
        [job] = _jobs()
        assert job.dispatched_at is None and job.failed_at is not None
        assert jobs.dispatch_pending() == 0  # broker still down: it keeps waiting
        db.session.commit()
        [job] = _jobs()
        assert job.dispatched_at is None


def test_handed_over_jobs_are_dropped_after_a_day(app):
    jobs.enqueue_after_commit(jobs.PURGE_EXPIRED_CREDENTIALS)
    db.session.commit()
    jobs.dispatch_pending(now=utcnow() + timedelta(days=2))
    db.session.commit()
    assert _jobs() == []
