"""docker-compose.yml and the Procfile describe the shapes the README promises (no Docker engine here)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_the_production_shape():
    services = _compose()["services"]
    assert set(services) == {"postgres", "redis", "web", "worker", "beat", "mailpit", "prometheus", "grafana"}
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


def test_worker_and_scheduler_have_health_checks_of_their_own():
    services = _compose()["services"]
    worker = " ".join(services["worker"]["healthcheck"]["test"])
    assert "celery -A worker inspect ping" in worker and "celery@$$HOSTNAME" in worker
    beat = services["beat"]["healthcheck"]["test"]
    assert beat[:4] == ["CMD", "python", "-m", "worker.health"] and "beat" in beat


def test_metrics_ports_are_scraped_inside_the_network_and_never_published():
    services = _compose()["services"]
    scraped = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    targets = {t for job in scraped["scrape_configs"] for c in job["static_configs"] for t in c["targets"]}
    assert targets == {"web:9100", "worker:9100"}
    for name in ("web", "worker"):
        env = services[name]["environment"]
        assert env["METRICS_PORT"] == "9100" and env["PROMETHEUS_MULTIPROC_DIR"]
        assert not any("9100" in str(port) for port in services[name].get("ports", []))
    assert "ports" not in services["prometheus"]


def test_the_dashboard_shows_reminders_sent_per_hour_the_oldest_due_reminder_and_request_latency():
    dashboard = json.loads((ROOT / "deploy/grafana/dashboards/telehealth.json").read_text())
    by_title = {p["title"]: " ".join(t["expr"] for t in p["targets"]) for p in dashboard["panels"]}
    assert (
        'telehealth_reminder_delivery_attempts_total{outcome="sent"}[1h]'
        in by_title["Reminders sent per hour"]
    )
    assert "telehealth_reminder_oldest_due_age_seconds" in by_title["Oldest due reminder"]
    assert "telehealth_http_request_duration_seconds_bucket" in by_title["Request latency (p50, p95, p99)"]
    provider = yaml.safe_load((ROOT / "deploy/grafana/provisioning/dashboards/telehealth.yml").read_text())
    mounted = [v for v in _compose()["services"]["grafana"]["volumes"] if "dashboards:" in v]
    assert provider["providers"][0]["options"]["path"] == mounted[0].split(":")[1]


def test_env_example_lists_every_setting_config_reads():
    read = set(re.findall(r'_(?:env|int)\("([A-Z0-9_]+)"', (ROOT / "config.py").read_text()))
    read |= {"TELEHEALTH_INSTANCE_DIR", "PROMETHEUS_MULTIPROC_DIR"}
    listed = {
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert read - listed == set()
    readme = (ROOT / "README.md").read_text()
    assert [name for name in sorted(read) if f"`{name}`" not in readme] == []


@pytest.mark.skipif(
    subprocess.run(["docker", "compose", "version"], capture_output=True, check=False).returncode != 0
    if shutil.which("docker")
    else True,
    reason="needs the docker client with its compose plugin (no engine needed)",
)
def test_docker_compose_config_parses():
    checked = subprocess.run(
        ["docker", "compose", "-f", "docker-compose.yml", "config", "-q"],
        cwd=ROOT,
        env={**os.environ, "SECRET_KEY": "x" * 48, "GRAFANA_ADMIN_PASSWORD": "for-the-check"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr


def test_image_caps_malloc_arenas_before_any_process_starts():
    # glibc reads MALLOC_ARENA_MAX when a process starts: an ENV of the image reaches gunicorn's
    # master and workers (gunicorn.conf.py would be too late). Without it each of a worker's eight
    # threads keeps an arena of its own (bench/README.md, memory).
    dockerfile = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    env_lines = " ".join(line for line in dockerfile.splitlines() if line.startswith("ENV "))
    assert "MALLOC_ARENA_MAX=2" in env_lines.split()
    for name in ("web", "worker", "beat"):
        assert "MALLOC_ARENA_MAX" not in _compose()["services"][name]["environment"]
