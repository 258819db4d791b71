"""A local SMTP sink (aiosmtpd) in a process of its own that only counts what it accepts."""

from __future__ import annotations

import multiprocessing
import multiprocessing.synchronize
from dataclasses import dataclass
from multiprocessing.sharedctypes import Synchronized
from typing import Any

from bench.services import BenchError, free_port


class _Counting:
    def __init__(self, counter: Synchronized[int]) -> None:
        self.counter = counter

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.counter.get_lock():
            self.counter.value += 1
        return "250 Message accepted for delivery"


def _serve(
    port: int,
    counter: Synchronized[int],
    ready: multiprocessing.synchronize.Event,
    stop: multiprocessing.synchronize.Event,
) -> None:
    from aiosmtpd.controller import Controller

    controller = Controller(_Counting(counter), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    try:
        stop.wait(3600)  # bounded: a forgotten sink still ends
    finally:
        controller.stop()


@dataclass
class Sink:
    port: int
    counter: Synchronized[int]
    process: multiprocessing.process.BaseProcess
    stop_event: multiprocessing.synchronize.Event

    @property
    def count(self) -> int:
        return int(self.counter.value)

    def reset(self) -> None:
        with self.counter.get_lock():
            self.counter.value = 0

    def stop(self) -> None:
        self.stop_event.set()
        self.process.join(10)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)


def start() -> Sink:
    context = multiprocessing.get_context("spawn")
    counter: Synchronized[int] = context.Value("q", 0)  # type: ignore[assignment]
    ready, stop = context.Event(), context.Event()
    port = free_port()
    process = context.Process(target=_serve, args=(port, counter, ready, stop), name="bench-smtp-sink")
    process.start()
    sink = Sink(port, counter, process, stop)
    if not ready.wait(20):
        sink.stop()
        raise BenchError("the SMTP sink did not start")
    return sink
