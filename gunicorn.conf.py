"""gunicorn's settings file (read from the working folder): metrics on a port of their own.

With METRICS_PORT set, the master serves every worker's figures there (prometheus_client's
multiprocess mode: set PROMETHEUS_MULTIPROC_DIR to a folder of its own; it is emptied at start).
"""

from __future__ import annotations

from typing import Any

from config import get_config

settings = get_config()


def on_starting(server: Any) -> None:
    from telehealth.ops import multiproc

    multiproc.clear_dir()


def when_ready(server: Any) -> None:
    from telehealth.ops import metrics

    metrics.serve_configured(settings)


def child_exit(server: Any, worker: Any) -> None:
    from telehealth.ops import multiproc

    multiproc.mark_process_dead(worker.pid)
