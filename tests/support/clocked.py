"""Run a Python module in a child process on the test's travelled clock.

A test that travels in time with time_machine moves only its own process; a worker it starts as a
subprocess would judge the same rows by the real date. Start the child as
`python -m tests.support.clocked <ISO instant> <module> [args...]` and its clock starts at that
instant and ticks from there, like the test's own `travel(..., tick=True)`.
"""

from __future__ import annotations

import runpy
import sys
from datetime import datetime

import time_machine


def command(at: datetime, module: str, *args: str) -> list[str]:
    """The argv that runs `python -m module args...` with its clock starting at `at`."""
    if at.tzinfo is None:
        raise ValueError("the instant must carry an offset")
    return [sys.executable, "-m", "tests.support.clocked", at.isoformat(), module, *args]


def main() -> None:
    at, module, *args = sys.argv[1:]
    sys.argv = [module, *args]
    with time_machine.travel(datetime.fromisoformat(at), tick=True):
        runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
