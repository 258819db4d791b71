"""The unit of work, and work that must wait for it to commit.

`transaction()` is the one way anything commits: the policy wraps each request in it, the task base
class each task, and the CLI each command; work that commits step by step (the reminder state
machine) runs on a session of its own (`own_session()`), in one `transaction()` per step.

A job queued before its row is committed can run before the row exists; `on_commit` holds the
callback on the session and runs it after COMMIT, dropping it on rollback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, FromClause, Table, event, false, update
from sqlalchemy.orm import Session

from telehealth.extensions import db

log = logging.getLogger(__name__)
_KEY = "telehealth.on_commit"


@contextmanager
def transaction(session: Session | None = None) -> Iterator[Session]:
    """One unit of work: commit when the block (or the decorated function) ends, roll back if it raises.

    Without a session it is the shared one (db.session) of the current app context.
    """
    session = session if session is not None else db.session()
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    session.commit()


@contextmanager
def own_session(connection: Connection | None = None, **options: Any) -> Iterator[Session]:
    """A session apart from the shared one, for work that commits step by step or after it has committed.

    Given a connection it keeps to it from one commit to the next (rather than taking one from the
    pool, and pinging it, for each transaction).
    """
    session = Session(connection if connection is not None else db.engine, **options)
    try:
        yield session
    finally:
        session.close()


def on_commit(session: Session, callback: Callable[[], None]) -> None:
    session.info.setdefault(_KEY, []).append(callback)


def hold_sqlite_write_lock(session: Session, table: FromClause) -> None:
    """On SQLite, take the database's write lock now, until commit; elsewhere do nothing.

    Its driver runs reads outside a transaction until the first write, so two requests could both
    check and then both write. A write that touches no row still takes the lock, and a second
    request waits here (up to the busy timeout) until the first commits. PostgreSQL locks rows.
    """
    if session.get_bind().dialect.name == "sqlite":
        # A model's __table__ is typed as any FromClause; only a Table can be written to.
        if not isinstance(table, Table):
            raise TypeError(f"{table!r} is not a table")
        column = next(iter(table.primary_key.columns))
        session.execute(update(table).where(false()).values({column.name: column}))


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    callbacks = session.info.pop(_KEY, [])
    for callback in callbacks:
        try:
            callback()
        except Exception:
            # The commit already happened; a failed hand-off must not undo it.
            log.exception("after-commit callback %r failed", getattr(callback, "__name__", callback))


@event.listens_for(Session, "after_soft_rollback")
def _drop_on_rollback(session: Session, previous_transaction: object) -> None:
    session.info.pop(_KEY, None)
