"""Health checks for the processes that serve no HTTP (docker compose runs these).

    python -m worker.health beat [--max-age SECONDS]   # the scheduler ticked lately

The worker's own check is Celery's: `celery -A worker inspect ping -d celery@$HOSTNAME`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from config import get_config


def beat_is_alive(heartbeat: Path, max_age: float, now: float | None = None) -> bool:
    try:
        age = (now if now is not None else time.time()) - heartbeat.stat().st_mtime
    except FileNotFoundError:
        return False
    return age <= max_age


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m worker.health")
    parser.add_argument("process", choices=["beat"])
    # Beat ticks at least every 30 seconds (beat_max_loop_interval in worker/celery.py).
    parser.add_argument("--max-age", type=float, default=120.0, help="seconds since the last tick")
    parser.add_argument("--file", type=Path, help="the heartbeat file (default: BEAT_HEARTBEAT_FILE)")
    args = parser.parse_args(argv)
    heartbeat = args.file or Path(get_config().BEAT_HEARTBEAT_FILE)
    if beat_is_alive(heartbeat, args.max_age):
        print("beat: ok")
        return 0
    print(f"beat: no tick within {args.max_age:.0f}s ({heartbeat})", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
