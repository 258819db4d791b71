"""Parts 1, 2 and the web half of 4: seed a fresh database, count queries, load gunicorn with wrk.

The load runs in rounds: each round measures the ceiling, then every endpoint, and one last
ceiling run closes the series, so every endpoint run sits between two ceiling runs. An
endpoint's fraction of the ceiling is taken per round, against the mean of the two ceiling runs
around it, and the median over the rounds is reported: noise from other work on the machine
hits a neighbouring pair of runs alike.
"""

from __future__ import annotations

import secrets
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from apiflask import APIFlask
from sqlalchemy import func, select

from bench import floor, load, queries
from bench.seed import Seeded, seed
from bench.services import BenchError, Processes, migrate, sqlalchemy_url
from telehealth import create_app
from telehealth.common.time import utcnow
from telehealth.extensions import db
from telehealth.progress.models import ProgressLog

CASELOAD_PATH = "/api/v1/dashboard/caseload"
CEILING = load.Endpoint("ceiling", "GET", "/healthz")
FLOOR_PATH = "/api/v1/bench/floor/patients/{}/today"


@dataclass
class EndpointFigures:
    name: str
    runs: list[load.LoadResult] = field(default_factory=list)
    fractions: list[float] = field(default_factory=list)  # per round, of the ceiling around it
    of_floor: list[float] = field(default_factory=list)  # per round, of that round's floor run

    @property
    def rate(self) -> float:
        seconds = sum(run.seconds for run in self.runs)
        return sum(run.requests for run in self.runs) / seconds if seconds else 0.0

    @property
    def p50_ms(self) -> float:
        return statistics.median(run.p50_ms for run in self.runs)

    @property
    def p99_ms(self) -> float:
        return statistics.median(run.p99_ms for run in self.runs)

    @property
    def worst_p99_ms(self) -> float:
        return max(run.p99_ms for run in self.runs)

    @property
    def errors(self) -> int:
        return sum(run.errors for run in self.runs)

    @property
    def requests(self) -> int:
        return sum(run.requests for run in self.runs)

    @property
    def fraction(self) -> float:
        return statistics.median(self.fractions) if self.fractions else 0.0

    @property
    def floor_fraction(self) -> float:
        return statistics.median(self.of_floor) if self.of_floor else 0.0

    def statuses(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for run in self.runs:
            for status, count in run.statuses.items():
                found[status] = found.get(status, 0) + count
        return found


@dataclass
class ApiFigures:
    rounds: int = 0
    seconds: int = 0
    seed_seconds: float = 0.0
    caseload_sizes: tuple[int, int] = (0, 0)
    dashboard_available: bool = False
    queries: list[queries.QueryCount] = field(default_factory=list)
    ceiling: EndpointFigures = field(default_factory=lambda: EndpointFigures("ceiling"))
    endpoints: dict[str, EndpointFigures] = field(default_factory=dict)
    logs_stored: int = 0  # progress logs the measured POST runs added to the database
    gunicorn_rss_kib: list[int] = field(default_factory=list)


def in_process_app(database: str, redis_url: str) -> APIFlask:
    """The app with production settings on the bench database, and the floor (bench/floor.py);
    Celery messages go nowhere (the invitations that patient intake queues are not under test)."""
    app = create_app(
        "production",
        {
            "SQLALCHEMY_DATABASE_URI": sqlalchemy_url(database),
            "REDIS_URL": redis_url,
            "RATELIMIT_STORAGE_URI": redis_url,
            "CELERY_BROKER_URL": "memory://",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "PUBLIC_BASE_URL": "http://127.0.0.1",
        },
    )
    app.register_blueprint(floor.bp)
    return app


def check_floor(app: APIFlask, data: Seeded) -> None:
    """The floor must do the real endpoint's work: same day, items, planned, done and completion."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {data.main.token}"}
    real = client.get(f"/api/v1/patients/{data.main.patient_id}/today", headers=headers)
    floor_answer = client.get(FLOOR_PATH.format(data.main.patient_id), headers=headers)

    def gist(answer: Any) -> Any:
        items = [
            (i["assignment"]["id"], i["exercise"]["id"], i["prescription"]["sets"], i["planned"], i["done"])
            for i in answer["items"]
        ]
        return answer["date"], items, answer["completion"]

    if real.status_code != 200 or floor_answer.status_code != 200:
        raise BenchError(f"today answered {real.status_code}, the floor {floor_answer.status_code}")
    if gist(real.json) != gist(floor_answer.json):
        raise BenchError(
            f"the floor's answer differs from today's: {gist(floor_answer.json)} vs {gist(real.json)}"
        )
    if not real.json["items"]:
        raise BenchError("the main patient has nothing planned today: the floor would compare nothing")


def has_route(app: APIFlask, path: str) -> bool:
    return any(rule.rule == path for rule in app.url_map.iter_rules())


def endpoints(data: Seeded, performed_at: str, dashboard: bool) -> list[load.Endpoint]:
    main, writer = data.main, data.writer
    found = [
        load.Endpoint("floor", "GET", FLOOR_PATH.format(main.patient_id), main.token),
        load.Endpoint("today", "GET", f"/api/v1/patients/{main.patient_id}/today", main.token),
    ]
    if dashboard:
        path = f"{CASELOAD_PATH}?per_page=200"
        found.append(load.Endpoint("dashboard", "GET", path, data.large_therapist.token))
    found.append(
        load.Endpoint(
            "progress_log",
            "POST",
            f"/api/v1/patients/{writer.patient_id}/progress-logs",
            writer.token,
            assignment_id=writer.assignment_id,
            performed_at=performed_at,
        )
    )
    return found


def count_queries(
    app: APIFlask, data: Seeded, performed_at: str, dashboard: bool
) -> list[queries.QueryCount]:
    def today(patient: str, token: str) -> queries.Request:
        return queries.Request("GET", f"/api/v1/patients/{patient}/today", token)

    def log(patient: str, token: str, assignment: str) -> queries.Request:
        body = queries.progress_log_body(assignment, performed_at)
        return queries.Request("POST", f"/api/v1/patients/{patient}/progress-logs", token, body)

    small, main = data.small, data.main
    program = "5 exercises, 3 weeks of logs"
    counts = [
        queries.compare(
            app,
            "today",
            ("1 exercise", today(small.patient_id, small.token)),
            (program, today(main.patient_id, main.token)),
        ),
        queries.compare(
            app,
            "progress_log",
            ("1 exercise", log(small.patient_id, small.token, small.assignment_id)),
            (program, log(main.patient_id, main.token, main.assignment_id)),
        ),
    ]
    if dashboard:
        path = f"{CASELOAD_PATH}?per_page=200"
        small_size, large_size = data.caseload_sizes
        counts.append(
            queries.compare(
                app,
                "dashboard",
                (f"{small_size} patients", queries.Request("GET", path, data.small_therapist.token)),
                (f"{large_size} patients", queries.Request("GET", path, data.large_therapist.token)),
            )
        )
    return counts


def _logs_of(app: APIFlask, patient_id: str) -> int:
    with app.app_context():
        count = db.session.scalar(
            select(func.count()).select_from(ProgressLog).where(ProgressLog.patient_id == patient_id)
        )
        db.session.remove()
    return int(count or 0)


def run(
    database: str,
    redis_url: str,
    processes: Processes,
    *,
    rounds: int,
    seconds: int,
    profile: bool,
    say: Callable[[str], None],
) -> ApiFigures:
    figures = ApiFigures(rounds=rounds, seconds=seconds)
    migrate(database)
    app = in_process_app(database, redis_url)
    figures.dashboard_available = has_route(app, CASELOAD_PATH)
    if not figures.dashboard_available:
        say(f"GET {CASELOAD_PATH}: not available (the route is missing from this app), skipped")

    started = time.monotonic()
    data = seed(app, utcnow())
    figures.seed_seconds = time.monotonic() - started
    figures.caseload_sizes = data.caseload_sizes
    say(f"seeded the clinic through the API in {figures.seed_seconds:.0f}s (caseloads {data.caseload_sizes})")

    # A minute ago: inside the allowed window (5 minutes ahead, 30 days back) for the whole run.
    performed_at = (utcnow() - timedelta(minutes=1)).isoformat()
    check_floor(app, data)
    figures.queries = count_queries(app, data, performed_at, figures.dashboard_available)
    say("queries per request: " + ", ".join(f"{q.endpoint} {q.small}/{q.large}" for q in figures.queries))

    targets = endpoints(data, performed_at, figures.dashboard_available)
    figures.endpoints = {target.name: EndpointFigures(target.name) for target in targets}
    writer_logs: list[int] = []  # per round: logs stored by the measured POST run

    def count_writer_logs() -> None:
        writer_logs.append(_logs_of(app, data.writer.patient_id))

    with load.serve(processes, database, redis_url) as server:
        load.run_wrk(server, CEILING, load.WARMUP_SECONDS)
        for round_number in range(1, rounds + 1):
            figures.ceiling.runs.append(load.measure(server, processes, CEILING, seconds, profile))
            say(f"round {round_number}: " + _line(figures.ceiling.runs[-1]))
            for target in targets:
                writes = target.name == "progress_log"
                hook = count_writer_logs if writes else None
                result = load.measure(server, processes, target, seconds, profile and round_number == 1, hook)
                if writes:
                    load.settle(server)
                    writer_logs[-1] = _logs_of(app, data.writer.patient_id) - writer_logs[-1]
                figures.endpoints[target.name].runs.append(result)
                say(f"round {round_number}: " + _line(result))
        figures.ceiling.runs.append(load.measure(server, processes, CEILING, seconds, False))
        say("closing: " + _line(figures.ceiling.runs[-1]))
        load.settle(server)
        figures.gunicorn_rss_kib = load.worker_rss_kib(server)
    figures.logs_stored = sum(writer_logs)
    for target in figures.endpoints.values():
        for n, result in enumerate(target.runs):
            around = (figures.ceiling.runs[n].rate + figures.ceiling.runs[n + 1].rate) / 2
            target.fractions.append(result.rate / around if around else 0.0)
            floor = figures.endpoints["floor"].runs[n].rate
            target.of_floor.append(result.rate / floor if floor else 0.0)
    with app.app_context():
        db.engine.dispose()
    return figures


def _line(result: load.LoadResult) -> str:
    return (
        f"{result.endpoint.name} {result.rate:.0f} req/s, p50 {result.p50_ms:.1f} ms, "
        f"p99 {result.p99_ms:.1f} ms, errors {result.errors}"
    )
