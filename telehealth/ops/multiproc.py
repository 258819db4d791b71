"""prometheus_client's multiprocess folder (PROMETHEUS_MULTIPROC_DIR), apart from the metrics
themselves: the folder must exist before the first metric is made in any process.

Set it for the serving processes only (gunicorn, `celery worker`), never for one-off commands
such as health checks: every process leaves files there.
"""

from __future__ import annotations

import os


def ensure_dir() -> None:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)


def clear_dir() -> None:
    """In the parent, before it starts its children: figures of an earlier run must not be added in."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return
    ensure_dir()
    own = f"_{os.getpid()}.db"
    for name in os.listdir(folder):
        if name.endswith(".db") and not name.endswith(own):
            os.remove(os.path.join(folder, name))


def mark_process_dead(pid: int) -> None:
    """Drop a finished process's live gauges (in-flight requests, pool use)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
