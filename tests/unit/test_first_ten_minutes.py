"""What a new user meets: `make run`'s stack and the README's "first ten minutes" requests.

The stack is the Procfile that `make run` starts (API, worker and scheduler on SQLite and the
filesystem broker, emails printed by the worker), in an instance folder of the test's own. The
README block runs as written, only its port swapped for the test's.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from telehealth.devstack import demo_logins

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def readme_block() -> str:
    text = README.read_text()
    start = text.index("```sh\n", text.index("<!-- first-ten-minutes")) + len("```sh\n")
    return text[start : text.index("```", start)]


@dataclass
class Stack:
    port: int
    output: Path

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def wait_for(self, pattern: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if re.search(pattern, self.text()):
                return self.text()
            time.sleep(0.25)
        raise AssertionError(f"{pattern!r} never appeared:\n{self.text()[-3000:]}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    instance = tmp_path_factory.mktemp("instance")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "SMTP_HOST")
    }
    env |= {"TELEHEALTH_ENV": "development", "TELEHEALTH_INSTANCE_DIR": str(instance), "WEB_PORT": ""}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for command in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run(flask + command, cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
    port = _free_port()
    env["WEB_PORT"] = str(port)
    output = instance / "make-run.log"
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "honcho", "start", "-f", "Procfile"],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield Stack(port, output)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def test_the_demo_logins_come_last_once_api_worker_and_scheduler_answer(stack: Stack):
    text = stack.wait_for(r"ready\.1\s+\|\s+Ready:", timeout=150)
    banner = text[text.index("Ready:") :]
    assert f"http://127.0.0.1:{stack.port}" in text[: text.index("Ready:")], "the API was up before"
    assert f"http://localhost:{stack.port}/docs" in banner
    for _role, email in demo_logins():
        assert email in banner
    assert "printed" in banner and "by the worker" in banner  # where the emails go
    assert "No hostname was supplied" not in text


def test_the_first_ten_minutes_requests_work_as_written(stack: Stack):
    stack.wait_for(r"Ready:", timeout=150)
    block = readme_block()
    assert "localhost:5000" in block
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block.replace("localhost:5000", f"localhost:{stack.port}")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    lines = done.stdout.splitlines()
    assert '"role":"therapist"' in lines[0].replace(" ", "")  # GET /me
    assert lines[-1] == "active"  # the new patient
    # The worker prints the invitation email to the new patient in make run's window.
    stack.wait_for(r"To: new\.patient\.\d+@example\.org", timeout=60)


def test_demo_logins_are_the_accounts_seed_demo_creates(app):
    from telehealth.demo import seed_demo

    assert demo_logins() == seed_demo()
