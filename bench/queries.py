"""Part 2: SQL statements per request, counted in-process (Flask test client) at two data sizes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from apiflask import APIFlask
from sqlalchemy import event

from telehealth.extensions import db


@dataclass(frozen=True)
class QueryCount:
    endpoint: str
    small_label: str
    large_label: str
    small: int
    large: int
    statements: list[str]  # the large request's, for reading

    @property
    def equal(self) -> bool:
        return self.small == self.large


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    token: str
    body: Callable[[], dict[str, Any]] | None = None


def statements_of(app: APIFlask, request: Request) -> list[str]:
    """The SQL one request sends. A first request, not counted, records the token's last use
    (done at most once a minute), so the counted one is the steady state under load."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {request.token}"}

    def send() -> int:
        body = request.body() if request.body else None
        return client.open(request.path, method=request.method, headers=headers, json=body).status_code

    send()
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split()))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        status = send()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    if status >= 300:
        raise RuntimeError(f"{request.method} {request.path} answered {status} while counting queries")
    return seen


def compare(
    app: APIFlask, endpoint: str, small: tuple[str, Request], large: tuple[str, Request]
) -> QueryCount:
    small_statements = statements_of(app, small[1])
    large_statements = statements_of(app, large[1])
    return QueryCount(
        endpoint=endpoint,
        small_label=small[0],
        large_label=large[0],
        small=len(small_statements),
        large=len(large_statements),
        statements=large_statements,
    )


def progress_log_body(assignment_id: str, performed_at: str) -> Callable[[], dict[str, Any]]:
    def body() -> dict[str, Any]:
        return {
            "id": str(uuid.uuid4()),
            "assignment_id": assignment_id,
            "performed_at": performed_at,
            "sets_completed": 3,
            "pain_score": 2,
        }

    return body
