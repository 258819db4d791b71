"""The Celery app, bound to the Flask app so every task runs in its app context."""

from __future__ import annotations

import os
from typing import Any

from celery.signals import worker_init, worker_process_init, worker_process_shutdown

from telehealth import create_app
from telehealth.ops import metrics, multiproc

flask_app = create_app()
app = flask_app.extensions["celery"]
# Beat touches BEAT_HEARTBEAT_FILE on every tick (the scheduler's health check reads it).
app.conf.beat_scheduler = "worker.beat:HeartbeatScheduler"
app.conf.beat_max_loop_interval = 30


@worker_init.connect
def _serve_metrics(**_: Any) -> None:
    # The main process, before the pool starts: it serves every child's figures and the outboxes'.
    multiproc.clear_dir()
    metrics.serve_configured(flask_app.config, extra=[metrics.OutboxCollector(flask_app)])


@worker_process_init.connect
def _fresh_connections(**_: Any) -> None:
    # A forked child must not share the parent's pooled database sockets.
    from telehealth.extensions import db

    with flask_app.app_context():
        db.engine.dispose(close=False)


@worker_process_shutdown.connect
def _forget_process(**_: Any) -> None:
    multiproc.mark_process_dead(os.getpid())
