"""The bench's own PostgreSQL databases, Redis database and child processes, each cleaned up after.

Everything here targets loopback only. Every process the bench starts is registered with a
`Processes` group and stopped by its own pid (SIGTERM, then SIGKILL) when the group closes, also
when the run fails.
"""

from __future__ import annotations

import contextlib
import os
import platform
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"  # logs and profiles of the latest run (git-ignored)
VENV_BIN = ROOT / ".venv" / "bin"

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_SERVER_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")
BENCH_DB_PREFIX = "telehealth_bench_"
_REDIS_CLAIM_KEY = "telehealth-bench:claimed-by"


class BenchError(RuntimeError):
    """A precondition of the bench is not met (a missing tool or service)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(predicate: Callable[[], bool], timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise BenchError(f"timed out after {timeout:.0f}s waiting for {what}")


# --- PostgreSQL ------------------------------------------------------------------------------


def sqlalchemy_url(database: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{database}"


def libpq_url(database: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{database}"


def postgres_version() -> str:
    with psycopg.connect(PG_ADMIN_URL, connect_timeout=3) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "?"


@contextlib.contextmanager
def temporary_database(label: str) -> Iterator[str]:
    """A fresh, empty database for this run; dropped at the end whatever happens."""
    name = f"{BENCH_DB_PREFIX}{uuid.uuid4().hex[:8]}_{label}"
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        raise BenchError(f"PostgreSQL at {PG_ADMIN_URL} is unreachable: {exc}") from exc
    try:
        yield name
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrate(database: str) -> None:
    """The real Alembic migrations, as `flask db upgrade` runs them before gunicorn starts."""
    from flask_migrate import upgrade

    from telehealth import create_app
    from telehealth.extensions import db

    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": sqlalchemy_url(database)})
    with app.app_context():
        upgrade(revision="heads")
        db.engine.dispose()


# --- Redis -----------------------------------------------------------------------------------


@contextlib.contextmanager
def redis_database() -> Iterator[str]:
    """An empty Redis database number of this run's own (broker and rate limits); only that one is
    flushed at the end, so the shared Redis is left as it was found."""
    claim = uuid.uuid4().hex
    chosen: int | None = None
    try:
        for number in range(15, 0, -1):
            client = redis.Redis.from_url(f"{REDIS_SERVER_URL}/{number}", socket_connect_timeout=2)
            if client.dbsize() == 0 and client.set(_REDIS_CLAIM_KEY, claim, nx=True):
                chosen = number
                break
    except redis.RedisError as exc:
        raise BenchError(f"Redis at {REDIS_SERVER_URL} is unreachable: {exc}") from exc
    if chosen is None:
        raise BenchError("no empty Redis database number (1-15) is free for the bench")
    client = redis.Redis.from_url(f"{REDIS_SERVER_URL}/{chosen}", socket_connect_timeout=2)
    try:
        yield f"{REDIS_SERVER_URL}/{chosen}"
    finally:
        if client.get(_REDIS_CLAIM_KEY) == claim.encode():
            client.flushdb()
        client.close()


# --- processes -------------------------------------------------------------------------------


@dataclass
class Processes:
    """Child processes of this run, each stopped by its pid when the group closes."""

    started: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)
    logs: list[IO[bytes]] = field(default_factory=list)

    def start(self, name: str, argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
        log.parent.mkdir(parents=True, exist_ok=True)
        out = log.open("wb")
        self.logs.append(out)
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        self.started.append((name, process))
        return process

    def stop(self, process: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)

    def close(self) -> None:
        for _, process in reversed(self.started):
            self.stop(process)
        self.started.clear()
        for out in self.logs:
            out.close()
        self.logs.clear()


def bench_env(**settings: str) -> dict[str, str]:
    """The process environment for a server or worker: production settings, loopback services."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "SMTP_"))}
    env.update({"TELEHEALTH_ENV": "production", "PYTHONUNBUFFERED": "1"})
    env.update(settings)
    return env


# --- memory and machine ----------------------------------------------------------------------


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(p) for p in (task / "children").read_text().split()]
    return found


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise BenchError(f"no VmRSS for pid {pid}")


@dataclass(frozen=True)
class Machine:
    cores: int
    memory_gib: float
    cpu: str
    python: str
    postgres: str
    system: str

    def describe(self) -> str:
        return (
            f"{self.cores} cores ({self.cpu}), {self.memory_gib:.0f} GiB memory, "
            f"Python {self.python}, PostgreSQL {self.postgres}, {self.system}"
        )


def machine() -> Machine:
    memory_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory_kib = int(line.split()[1])
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return Machine(
        cores=os.cpu_count() or 0,
        memory_gib=memory_kib / 1024 / 1024,
        cpu=cpu,
        python=platform.python_version(),
        postgres=postgres_version(),
        system=f"{platform.system()} {platform.release()}",
    )
