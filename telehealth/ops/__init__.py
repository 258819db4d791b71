"""Operations: health checks (routes), metrics, logs, and the optional error and trace hooks."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The request hooks of metrics, logs and traces, and their Celery signals (once per process)."""
    from telehealth.ops import logs, metrics, telemetry

    metrics.init_app(app)
    logs.init_app(app)
    telemetry.init_app(app)
    for module in (metrics, logs, telemetry):
        module.connect_celery()
