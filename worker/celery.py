"""The Celery app, bound to the Flask app so every task runs in its app context."""

from __future__ import annotations

from typing import Any

from celery.signals import worker_process_init

from telehealth import create_app

flask_app = create_app()
app = flask_app.extensions["celery"]


@worker_process_init.connect
def _fresh_connections(**_: Any) -> None:
    # A forked child must not share the parent's pooled database sockets.
    from telehealth.extensions import db

    with flask_app.app_context():
        db.engine.dispose(close=False)
