"""docker-compose.yml and the Procfile describe the shapes the README promises (no Docker engine here)."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_the_production_shape():
    services = _compose()["services"]
    assert set(services) == {"postgres", "redis", "web", "worker", "beat", "mailpit"}
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["TELEHEALTH_ENV"] == "production"
        assert env["DATABASE_URL"].startswith("postgresql://")
        assert env["REDIS_URL"].startswith("redis://")
        assert env["SMTP_HOST"] == "mailpit"


def test_web_migrates_before_gunicorn_starts():
    command = _compose()["services"]["web"]["command"]
    assert command.index("db upgrade") < command.index("gunicorn")
    assert "gthread" in command


def test_exactly_one_scheduler():
    services = _compose()["services"]
    schedulers = [name for name, spec in services.items() if "beat" in str(spec.get("command", ""))]
    assert schedulers == ["beat"]
    assert "replicas" not in str(services["beat"].get("deploy", {}))


def test_procfile_starts_api_worker_and_scheduler():
    processes = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip()
    )
    assert set(processes) == {"web", "worker", "beat"}
    assert "celery -A worker worker" in processes["worker"]
    assert "celery -A worker beat" in processes["beat"]
