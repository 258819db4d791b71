"""celery beat's scheduler, leaving a heartbeat: BEAT_HEARTBEAT_FILE is touched on every tick.

`python -m worker.health beat` (the scheduler's health check) reads the file's age.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from celery.beat import PersistentScheduler

from config import get_config


class HeartbeatScheduler(PersistentScheduler):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.heartbeat = Path(get_config().BEAT_HEARTBEAT_FILE)
        super().__init__(*args, **kwargs)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        interval = super().tick(*args, **kwargs)
        self.heartbeat.parent.mkdir(parents=True, exist_ok=True)
        self.heartbeat.touch()
        return interval
