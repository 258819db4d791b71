"""`make bench` (python -m bench): every figure of bench/README.md, measured side by side in one run.

Needs PostgreSQL and Redis on loopback (BENCH_PG_ADMIN_URL, BENCH_REDIS_URL to point elsewhere on
this machine) and wrk. Creates its own databases and Redis database number and removes them,
stops every process it starts, and prints the table; a full run also rewrites the generated part
of bench/README.md.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import time
from datetime import datetime
from pathlib import Path

from apiflask import APIFlask

from bench import api, delivery, growth, scale
from bench.report import Report
from bench.services import (
    OUT,
    BenchError,
    Processes,
    machine,
    migrate,
    redis_database,
    sqlalchemy_url,
    temporary_database,
)
from telehealth import create_app
from telehealth.extensions import db

README = Path(__file__).with_name("README.md")
PARTS = ("api", "reminders", "growth")


def _say(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=PARTS, action="append", help="run only this part (repeatable)")
    parser.add_argument("--rounds", type=int, default=3, help="load rounds (ceiling + each endpoint)")
    parser.add_argument("--seconds", type=int, default=6, help="seconds of each measured wrk run")
    parser.add_argument(
        "--sizes", default="100000,1000000", help="patient counts for the reminder scan, ascending"
    )
    parser.add_argument(
        "--growth-sizes",
        default="1000000,10000000",
        help="rows of audit_events and of progress_logs for the growth part, ascending",
    )
    parser.add_argument(
        "--profile", action="store_true", help="py-spy the gunicorn workers in round 1 (bench/out/)"
    )
    parser.add_argument("--no-readme", action="store_true", help="print only; leave bench/README.md")
    return parser.parse_args(argv)


def _scale_app(database: str, redis_url: str, secret: str) -> APIFlask:
    return create_app(
        "production",
        {
            "SQLALCHEMY_DATABASE_URI": sqlalchemy_url(database),
            "REDIS_URL": redis_url,
            "RATELIMIT_STORAGE_URI": redis_url,
            "CELERY_BROKER_URL": redis_url,
            "SECRET_KEY": secret,
            "PUBLIC_BASE_URL": "http://127.0.0.1",
        },
    )


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    parts = args.only or list(PARTS)
    sizes = [int(size) for size in args.sizes.split(",")]
    OUT.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    report = Report(machine=machine(), started=datetime.now().astimezone().isoformat(timespec="seconds"))
    _say(f"bench on {report.machine.describe()}")
    processes = Processes()
    secret = secrets.token_urlsafe(48)
    try:
        with redis_database() as redis_url:
            _say(f"Redis database {redis_url.rsplit('/', 1)[1]} of this run")
            if "api" in parts:
                with temporary_database("api") as database:
                    report.api = api.run(
                        database,
                        redis_url,
                        processes,
                        rounds=args.rounds,
                        seconds=args.seconds,
                        profile=args.profile,
                        say=_say,
                    )
            if "reminders" in parts:
                with temporary_database("reminders") as database:
                    migrate(database)
                    app = _scale_app(database, redis_url, secret)
                    report.scale = scale.run(app, sizes, _say)
                    scale.park_daily_checks(app)
                    report.delivery = delivery.run(app, processes, database, redis_url, secret, _say)
                    with app.app_context():
                        db.engine.dispose()
            if "growth" in parts:
                with temporary_database("growth") as database:
                    migrate(database)
                    app = _scale_app(database, redis_url, secret)
                    growth_sizes = [int(size) for size in args.growth_sizes.split(",")]
                    report.growth = growth.run(app, growth_sizes, _say)
                    with app.app_context():
                        db.engine.dispose()
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    finally:
        processes.close()
    report.minutes = (time.monotonic() - began) / 60
    print()
    print(report.text())
    if args.no_readme or len(parts) < len(PARTS):
        print(f"\n(bench/README.md left as it was: {'--no-readme' if args.no_readme else 'a partial run'})")
    else:
        report.write_readme(README)
        print(f"\nwrote {README.relative_to(README.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
