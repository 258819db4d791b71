"""Security tests run on a frozen clock, in a world built through the public API (see world.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine
from apiflask import APIFlask

from tests.factories import Api, Clinic
from tests.security.world import NOW, World


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(app: APIFlask, clinic: Clinic, api: Api) -> World:
    return World(app, api, clinic).build()
