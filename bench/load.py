"""Part 1: the API under load, served the way production serves it, driven by wrk in another process."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.services import (
    OUT,
    VENV_BIN,
    BenchError,
    Processes,
    bench_env,
    children,
    free_port,
    libpq_url,
    rss_kib,
    wait_for,
)

CONNECTIONS = 50  # concurrent clients
WRK_THREADS = 2
WRK_TIMEOUT = "10s"  # a slow answer is measured as latency, not dropped as a timeout
WARMUP_SECONDS = 2
# docker-compose.yml's web service: gunicorn gthread, 2 workers x 8 threads.
GUNICORN_WORKERS = 2
GUNICORN_SETTINGS = ["--worker-class", "gthread", "--workers", str(GUNICORN_WORKERS), "--threads", "8"]
# The Dockerfile's environment for the same processes (glibc reads it at process start).
GUNICORN_ENV = {"MALLOC_ARENA_MAX": "2"}
SCRIPT = Path(__file__).with_name("wrk.lua")
# The app as wsgi.py builds it, plus the bench's floor endpoint (bench/floor.py), in the same server.
APP = "bench.floor:create_app_with_floor()"


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str
    token: str = ""
    assignment_id: str = ""
    performed_at: str = ""


@dataclass(frozen=True)
class LoadResult:
    endpoint: Endpoint
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    errors: int  # socket errors, timeouts and answers other than 2xx/3xx
    statuses: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass
class Server:
    base_url: str
    master: subprocess.Popen[bytes]

    def workers(self) -> list[int]:
        return sorted(children(self.master.pid))


def wrk_path() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise BenchError(
            "wrk is not installed: `apt-get install -y wrk` (Debian package `wrk`), or run `make bench`"
        )
    return found


@contextlib.contextmanager
def serve(processes: Processes, database: str, redis_url: str) -> Iterator[Server]:
    """gunicorn with the docker-compose settings on a loopback port, ready when /readyz says so."""
    with tempfile.TemporaryDirectory(prefix="telehealth-bench-web-") as instance:
        port = free_port()
        env = bench_env(
            DATABASE_URL=libpq_url(database),
            REDIS_URL=redis_url,
            SECRET_KEY=secrets.token_urlsafe(48),
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=str(free_port()),  # the API sends no mail itself; the workers do
            MAIL_FROM="Telehealth PT <no-reply@telehealth.local>",
            PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
            TRUSTED_PROXY_COUNT="0",
            TELEHEALTH_INSTANCE_DIR=instance,
            **GUNICORN_ENV,
        )
        argv = [
            str(VENV_BIN / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--control-socket",
            str(Path(instance) / "gunicorn.ctl"),  # not the shared ~/.gunicorn one
            *GUNICORN_SETTINGS,
            APP,
        ]
        master = processes.start("gunicorn", argv, env, OUT / "gunicorn.log")
        server = Server(f"http://127.0.0.1:{port}", master)

        def ready() -> bool:
            if master.poll() is not None:
                raise BenchError(f"gunicorn exited ({master.returncode}); see {OUT / 'gunicorn.log'}")
            try:
                with urllib.request.urlopen(f"{server.base_url}/readyz", timeout=2) as answer:  # noqa: S310
                    return bool(answer.status == 200) and len(server.workers()) == GUNICORN_WORKERS
            except OSError:
                return False

        try:
            wait_for(ready, 60, "gunicorn to answer /readyz", interval=0.2)
            yield server
        finally:
            processes.stop(master)


def _cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
    return total


def settle(server: Server, limit: float = 120.0) -> None:
    """Wait until the workers are idle: requests wrk gave up on may still be queued in gunicorn,
    and the next run must not pay for them."""
    pids = server.workers()
    tick = os.sysconf("SC_CLK_TCK")
    deadline = time.monotonic() + limit
    last = _cpu_ticks(pids)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = _cpu_ticks(pids)
        if (now - last) / tick < 0.05:  # under 10% of one core in the last half second
            return
        last = now
    raise BenchError(f"the gunicorn workers were still busy {limit:.0f}s after a run")


def run_wrk(server: Server, endpoint: Endpoint, seconds: int) -> LoadResult:
    env = {
        **os.environ,
        "BENCH_METHOD": endpoint.method,
        "BENCH_PATH": endpoint.path,
        "BENCH_TOKEN": endpoint.token,
        "BENCH_RUN": secrets.token_hex(3),
        "BENCH_ASSIGNMENT_ID": endpoint.assignment_id,
        "BENCH_PERFORMED_AT": endpoint.performed_at,
    }
    argv = [
        wrk_path(),
        "--threads",
        str(WRK_THREADS),
        "--connections",
        str(CONNECTIONS),
        "--duration",
        f"{seconds}s",
        "--timeout",
        WRK_TIMEOUT,
        "--script",
        str(SCRIPT),
        server.base_url + endpoint.path,
    ]
    settle(server)
    finished = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=seconds + 60)
    line = next((ln for ln in finished.stdout.splitlines() if ln.startswith("BENCH-RESULT ")), None)
    if finished.returncode != 0 or line is None:
        raise BenchError(f"wrk failed for {endpoint.name}: {finished.stderr or finished.stdout}")
    data = json.loads(line.removeprefix("BENCH-RESULT "))
    errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
    return LoadResult(
        endpoint=endpoint,
        requests=int(data["requests"]),
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        errors=int(errors),
        statuses={str(k): int(v) for k, v in data["statuses"].items()},
    )


@contextlib.contextmanager
def profiled(server: Server, processes: Processes, name: str, seconds: int, enabled: bool) -> Iterator[None]:
    """py-spy on both gunicorn workers while the block runs (only with --profile)."""
    spies: list[subprocess.Popen[bytes]] = []
    if enabled:
        py_spy = VENV_BIN / "py-spy"
        if not py_spy.exists():
            raise BenchError("--profile needs py-spy: pip install -r requirements-dev.txt")
        for n, pid in enumerate(server.workers()):
            output = OUT / f"profile-{name}-worker{n}.txt"
            argv = [
                str(py_spy),
                "record",
                "--pid",
                str(pid),
                "--duration",
                str(seconds),
                "--rate",
                "200",
                "--format",
                "raw",
                "--output",
                str(output),
                "--nonblocking",
                "--gil",  # where the CPU goes: only the thread holding the GIL is sampled
            ]
            spies.append(processes.start(f"py-spy {name}", argv, dict(os.environ), OUT / "py-spy.log"))
    try:
        yield
    finally:
        for spy in spies:
            try:
                spy.wait(seconds + 30)
            except subprocess.TimeoutExpired:
                processes.stop(spy)


def measure(
    server: Server,
    processes: Processes,
    endpoint: Endpoint,
    seconds: int,
    profile: bool,
    before_measured: Callable[[], None] | None = None,
) -> LoadResult:
    """A short warm-up run (not counted), then the measured run."""
    run_wrk(server, endpoint, WARMUP_SECONDS)
    settle(server)
    if before_measured is not None:
        before_measured()
    with profiled(server, processes, endpoint.name, seconds, profile):
        return run_wrk(server, endpoint, seconds)


def worker_rss_kib(server: Server) -> list[int]:
    return [rss_kib(pid) for pid in server.workers()]
