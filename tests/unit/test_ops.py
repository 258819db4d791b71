"""Operability pieces that need no service: the scheduler's heartbeat and health check, log formats."""

from __future__ import annotations

import io
import json
import logging
import os
import sys
import time

from celery import Celery

from telehealth import create_app
from worker import health
from worker.beat import HeartbeatScheduler


def test_beat_leaves_a_heartbeat_on_every_tick_and_the_health_check_reads_its_age(tmp_path, capsys):
    heartbeat = tmp_path / "beat-heartbeat"
    assert health.main(["beat", "--file", str(heartbeat)]) == 1  # never ticked: unhealthy

    scheduler = HeartbeatScheduler(
        app=Celery(set_as_current=False), schedule_filename=str(tmp_path / "schedule")
    )
    scheduler.heartbeat = heartbeat
    scheduler.tick()
    scheduler.close()
    assert health.main(["beat", "--file", str(heartbeat), "--max-age", "60"]) == 0

    stale = time.time() - 300
    os.utime(heartbeat, (stale, stale))  # five minutes without a tick
    assert health.main(["beat", "--file", str(heartbeat), "--max-age", "120"]) == 1
    assert "no tick within 120s" in capsys.readouterr().err


def _request_line(config_name: str) -> str:
    app = create_app(config_name, {"SECRET_KEY": "k" * 48, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    logger = logging.getLogger("telehealth")
    stream = io.StringIO()
    handler = logger.handlers[0]
    handler.setStream(stream)  # type: ignore[attr-defined]
    try:
        app.test_client().get("/healthz", headers={"X-Request-ID": "probe-1"})
    finally:
        handler.setStream(sys.stderr)  # type: ignore[attr-defined]
    return next(line for line in stream.getvalue().splitlines() if "telehealth.requests" in line)


def test_production_logs_one_json_object_a_request():
    line = json.loads(_request_line("production"))
    assert line["logger"] == "telehealth.requests" and line["level"] == "INFO"
    assert (line["request_id"], line["method"], line["route"], line["status"]) == (
        "probe-1",
        "GET",
        "/healthz",
        200,
    )
    assert line["time"] and line["duration_ms"] >= 0 and line["user_id"] is None


def test_development_logs_a_readable_line():
    line = _request_line("development")
    assert "INFO [probe-1] telehealth.requests: request method=GET route=/healthz status=200" in line
