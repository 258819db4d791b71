"""Part 3b and the worker half of 4: end-to-end email delivery against a plain smtplib loop.

The same SMTP sink receives, in one run: a plain smtplib loop over one connection (before and
after), and the real pipeline in between: `dispatch.scan_and_hand_off()` claims the due rows and
queues send tasks on Redis, real `celery -A worker worker` processes configured from the
environment as in production run `delivery.deliver()`, which sends each row through the email
channel and records it `sent`. The pipeline's rate is EMAIL_PATIENTS over the time from the first
scan to the moment the sink has counted them all and every row reads `sent`.
"""

from __future__ import annotations

import smtplib
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from apiflask import APIFlask
from sqlalchemy import func, select

from bench import sink as smtp_sink
from bench.scale import EMAIL_PATIENTS
from bench.services import OUT, VENV_BIN, BenchError, Processes, bench_env, children, libpq_url, rss_kib
from telehealth.common.time import utcnow
from telehealth.extensions import db
from telehealth.reminders import dispatch
from telehealth.reminders.models import Kind, Notification, Status

WORKER_CONCURRENCY = 4  # as docker-compose.yml runs the worker
DELIVERY_TIMEOUT = 300.0
SENDER = "Telehealth PT <no-reply@telehealth.local>"


@dataclass
class DeliveryFigures:
    messages: int = EMAIL_PATIENTS
    loop_rates: list[float] = field(default_factory=list)  # msg/s, before and after
    pipeline_seconds: float = 0.0
    scans: int = 0
    sink_count: int = 0  # messages the sink accepted from the pipeline
    statuses: dict[str, int] = field(default_factory=dict)  # of the due rows afterwards
    celery_rss_kib: list[int] = field(default_factory=list)  # the pool's processes

    @property
    def loop_rate(self) -> float:
        return sum(self.loop_rates) / len(self.loop_rates) if self.loop_rates else 0.0

    @property
    def pipeline_rate(self) -> float:
        return self.messages / self.pipeline_seconds if self.pipeline_seconds else 0.0

    @property
    def fraction(self) -> float:
        return self.pipeline_rate / self.loop_rate if self.loop_rate else 0.0


def _message(n: int) -> bytes:
    """A message shaped like a reminder (headers, an unsubscribe link, about the same size)."""
    link = f"http://127.0.0.1/api/v1/notifications/unsubscribe?token=loop-{n:06d}-{'x' * 60}"
    return (
        f"From: {SENDER}\r\nTo: loop-{n}@bench-patients.org\r\nSubject: Your exercises for today\r\n"
        f"Message-ID: <loop-{n}@telehealth.reminders>\r\nList-Unsubscribe: <{link}>\r\n"
        f"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n'
        f"Hi Pat, today's home exercises are ready when you are: http://127.0.0.1/app/today\r\n\r\n"
        f"To stop these emails: {link}\r\n"
    ).encode()


def smtplib_loop(sink: smtp_sink.Sink, count: int) -> float:
    """Messages per second of the plainest sender: one smtplib connection, each message written
    out as text and sent, one after another."""
    sink.reset()
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", sink.port, timeout=30) as connection:
        for n in range(count):
            connection.sendmail("no-reply@telehealth.local", [f"loop-{n}@bench-patients.org"], _message(n))
    seconds = time.perf_counter() - started
    if sink.count != count:
        raise BenchError(f"the sink counted {sink.count} of {count} loop messages")
    return count / seconds


def _start_worker(
    processes: Processes, database: str, redis_url: str, port: int, secret: str, instance: str
) -> subprocess.Popen[bytes]:
    env = bench_env(
        DATABASE_URL=libpq_url(database),
        REDIS_URL=redis_url,
        SECRET_KEY=secret,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(port),
        MAIL_FROM=SENDER,
        PUBLIC_BASE_URL="http://127.0.0.1",
        TELEHEALTH_INSTANCE_DIR=instance,
    )
    log = OUT / "celery-worker.log"
    argv = [
        str(VENV_BIN / "celery"),
        "-A",
        "worker",
        "worker",
        "--loglevel",
        "INFO",
        "--concurrency",
        str(WORKER_CONCURRENCY),
    ]
    worker = processes.start("celery worker", argv, env, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise BenchError(f"the Celery worker exited ({worker.returncode}); see {log}")
        if " ready." in log.read_text(errors="replace") and len(children(worker.pid)) >= WORKER_CONCURRENCY:
            return worker
        time.sleep(0.1)
    raise BenchError(f"the Celery worker did not become ready; see {log}")


def _due_rows(cutoff: datetime) -> Any:
    # The email reminders due at the start (history rows are a day older; visit reminders are
    # another kind); next_attempt_at keeps the status index usable.
    return (Notification.kind == Kind.EXERCISE) & (Notification.next_attempt_at >= cutoff)


def _statuses(app: APIFlask, cutoff: datetime) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(
            select(Notification.status, func.count()).where(_due_rows(cutoff)).group_by(Notification.status)
        ).all()
        db.session.remove()
    return {status: int(count) for status, count in rows}


def _sent(app: APIFlask, cutoff: datetime) -> int:
    with app.app_context():
        count = db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.status == Status.SENT, _due_rows(cutoff))
        )
        db.session.remove()
    return int(count or 0)


def run(
    app: APIFlask,
    processes: Processes,
    database: str,
    redis_url: str,
    secret: str,
    say: Callable[[str], None],
) -> DeliveryFigures:
    """`app` must be bound to the scale database and send tasks to `redis_url`."""
    figures = DeliveryFigures()
    cutoff = utcnow() - timedelta(hours=2)
    sink = smtp_sink.start()
    instance = tempfile.TemporaryDirectory(prefix="telehealth-bench-worker-")
    worker: subprocess.Popen[bytes] | None = None
    try:
        figures.loop_rates.append(smtplib_loop(sink, EMAIL_PATIENTS))
        say(f"smtplib loop: {figures.loop_rates[-1]:.0f} msg/s")
        sink.reset()
        worker = _start_worker(processes, database, redis_url, sink.port, secret, instance.name)
        started = time.perf_counter()
        with app.app_context():
            while True:
                result = dispatch.scan_and_hand_off()
                db.session.commit()
                figures.scans += 1
                if not result.claimed:
                    break
            db.session.remove()

        def delivered() -> bool:
            return sink.count >= EMAIL_PATIENTS and _sent(app, cutoff) >= EMAIL_PATIENTS

        deadline = time.monotonic() + DELIVERY_TIMEOUT
        while not delivered():
            if time.monotonic() > deadline:
                raise BenchError(
                    f"delivery did not finish in {DELIVERY_TIMEOUT:.0f}s: sink {sink.count}, "
                    f"rows {_statuses(app, cutoff)}"
                )
            time.sleep(0.05)
        figures.pipeline_seconds = time.perf_counter() - started
        time.sleep(1)  # anything sent twice would arrive now
        figures.sink_count = sink.count
        figures.statuses = _statuses(app, cutoff)
        figures.celery_rss_kib = [rss_kib(pid) for pid in sorted(children(worker.pid))]
        say(
            f"pipeline: {figures.pipeline_rate:.0f} msg/s ({EMAIL_PATIENTS} in "
            f"{figures.pipeline_seconds:.1f}s, {figures.scans} scans), "
            f"sink counted {figures.sink_count}, rows {figures.statuses}"
        )
        processes.stop(worker)  # the loop's second run has the machine to itself, as its first had
        figures.loop_rates.append(smtplib_loop(sink, EMAIL_PATIENTS))
        say(f"smtplib loop: {figures.loop_rates[-1]:.0f} msg/s")
    finally:
        if worker is not None:
            processes.stop(worker)
        sink.stop()
        instance.cleanup()
    return figures
