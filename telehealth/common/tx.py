"""Work that must wait for the surrounding transaction to commit.

A job queued before its row is committed can run before the row exists;
`on_commit` holds the callback on the session and runs it after COMMIT,
dropping it on rollback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import Table, event, false, update
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
_KEY = "telehealth.on_commit"


def on_commit(session: Session, callback: Callable[[], None]) -> None:
    session.info.setdefault(_KEY, []).append(callback)


def hold_sqlite_write_lock(session: Session, table: Table) -> None:
    """On SQLite, take the database's write lock now, until commit; elsewhere do nothing.

    Its driver runs reads outside a transaction until the first write, so two requests could both
    check and then both write. A write that touches no row still takes the lock, and a second
    request waits here (up to the busy timeout) until the first commits. PostgreSQL locks rows.
    """
    if session.get_bind().dialect.name == "sqlite":
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
