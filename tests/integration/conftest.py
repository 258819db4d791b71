"""Real services: PostgreSQL, Redis, a Celery worker and an SMTP server (aiosmtpd).

Each test session creates its own PostgreSQL database and drops it at the end. When a
service is unreachable the tests skip, unless TELEHEALTH_REQUIRE_SERVICES=1, where they fail.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

import psycopg
import pytest
import redis
from aiosmtpd.controller import Controller
from celery.contrib.testing.worker import start_worker
from sqlalchemy import inspect

from telehealth import create_app
from telehealth.extensions import db

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REQUIRE = os.environ.get("TELEHEALTH_REQUIRE_SERVICES") == "1"


def _unavailable(what: str, error: Exception) -> None:
    message = f"{what} unreachable: {error}"
    if REQUIRE:
        pytest.fail(message + " (TELEHEALTH_REQUIRE_SERVICES=1)")
    pytest.skip(message)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@contextmanager
def temporary_database(prefix: str = "telehealth_test") -> Iterator[str]:
    """A new, empty PostgreSQL database (its SQLAlchemy URL), dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        _unavailable("PostgreSQL", exc)
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    with temporary_database() as url:
        yield url


@pytest.fixture(scope="session")
def redis_url() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        _unavailable("Redis", exc)
    return REDIS_URL


@dataclass
class Inbox:
    messages: list[Message] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, predicate: Any, timeout: float = 20.0) -> list[Message]:
        with self.arrived:
            self.arrived.wait_for(lambda: [m for m in self.messages if predicate(m)], timeout=timeout)
            return [m for m in self.messages if predicate(m)]

    def to(self, address: str, timeout: float = 20.0) -> list[Message]:
        return self.wait_for(lambda m: address in (m["To"] or ""), timeout)


class _Handler:
    def __init__(self, inbox: Inbox, owner: SmtpServer) -> None:
        self.inbox = inbox
        self.owner = owner

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.owner.delay:
            await asyncio.sleep(self.owner.delay)  # a slow mail server keeps a worker mid-send
        with self.inbox.arrived:
            self.inbox.messages.append(message_from_bytes(envelope.content))
            self.inbox.arrived.notify_all()
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    """A real SMTP server on loopback; unpacks as (inbox, port) and can be stopped and restarted."""

    def __init__(self) -> None:
        self.inbox = Inbox()
        self.port = _free_port()
        self.delay = 0.0
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(_Handler(self.inbox, self), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __iter__(self) -> Iterator[Any]:
        return iter((self.inbox, self.port))


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def migrated_pg(pg_url: str) -> str:
    """Run the real migrations on the empty database, once per session."""
    from flask_migrate import upgrade

    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": pg_url})
    with app.app_context():
        upgrade(revision="heads")  # domain branches merge later; take every head
        db.engine.dispose()
    return pg_url


def _truncate_all() -> None:
    existing = set(inspect(db.engine).get_table_names())
    tables = ", ".join(
        f'"{t.name}"' for t in db.metadata.sorted_tables if t.name in existing and t.name != "audit_events"
    )
    # The audit trail is append-only, so it is emptied the one way the trigger allows: TRUNCATE.
    db.session.execute(db.text(f"TRUNCATE {tables}, audit_events RESTART IDENTITY CASCADE"))
    db.session.commit()


@pytest.fixture
def pg_app(migrated_pg: str, redis_url: str, smtp: SmtpServer) -> Iterator[Any]:
    _, port = smtp
    queue = f"test-{uuid.uuid4().hex[:8]}"  # also keys this test's rate limits in Redis
    app = create_app(
        "test",
        {
            "SQLALCHEMY_DATABASE_URI": migrated_pg,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
            "CELERY_BROKER_URL": redis_url,
            "RATELIMIT_STORAGE_URI": redis_url,
            "RATELIMIT_KEY_PREFIX": queue,
            "MAIL_BACKEND": "smtp",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": port,
        },
    )
    # A queue of its own, so no other test run's worker takes these tasks.
    app.extensions["celery"].conf.task_default_queue = queue
    with app.app_context():
        _truncate_all()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def worker(pg_app: Any) -> Iterator[Any]:
    celery_app = pg_app.extensions["celery"]
    import worker.tasks  # noqa: F401  (registers the shared tasks)

    with start_worker(
        celery_app,
        pool="solo",
        concurrency=1,
        perform_ping_check=False,
        loglevel="WARNING",
        queues=[celery_app.conf.task_default_queue],
    ) as running:
        yield running


@pytest.fixture(params=["postgresql", "sqlite"])
def racing_app(request, tmp_path) -> Iterator:
    """The app on each database the product supports; SQLite as a file, as `make run` keeps it."""
    if request.param == "postgresql":
        yield request.getfixturevalue("pg_app")
        return
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'race.db'}"})
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()
