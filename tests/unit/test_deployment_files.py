"""docker-compose.yml and the Procfile describe the shapes the README promises (no Docker engine here)."""

from __future__ import annotations

import re
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
    assert set(processes) == {"web", "worker", "beat", "ready"}
    assert re.search(r"celery -A worker( --quiet)? worker", processes["worker"])
    assert re.search(r"celery -A worker( --quiet)? beat", processes["beat"])


def _readme_compose_section() -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index("docker compose")
    return text[start : text.index("**Growing past one machine.**")]


def test_readme_says_where_compose_serves_and_how_the_first_admin_is_made():
    section = _readme_compose_section()
    published = _compose()["services"]["web"]["ports"][0].split(":")[0]
    assert f"http://localhost:{published}" in section
    mailpit = _compose()["services"]["mailpit"]["ports"][0].split(":")[0]
    assert f"http://localhost:{mailpit}" in section
    assert "32" in section and "SECRET_KEY" in section
    assert "docker compose exec web flask --app wsgi create-admin" in section


def test_seed_demo_in_production_points_to_create_admin():
    from telehealth import create_app

    app = create_app("production", {"SECRET_KEY": "x" * 48, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    refused = app.test_cli_runner().invoke(args=["seed-demo"])
    assert refused.exit_code != 0
    assert "create-admin" in refused.output
