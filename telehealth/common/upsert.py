"""INSERT ... ON CONFLICT DO NOTHING, in the dialect of whichever backend the session talks to.

SQLAlchemy 2.0 never caches the compiled form of its PostgreSQL and SQLite INSERTs (their
classes opt out of statement caching), so each execution compiled the statement afresh: on every
progress log written, the largest single cost of the request after the database. The two small
subclasses below opt back in, with a cache key that covers what the ON CONFLICT clause renders:
its conflict columns (always given as names here) and no WHERE.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql.dml import OnConflictDoNothing as PgDoNothing
from sqlalchemy.dialects.sqlite.dml import OnConflictDoNothing as SqliteDoNothing
from sqlalchemy.sql.visitors import InternalTraversal

from telehealth.extensions import db

# What an ON CONFLICT (columns...) DO NOTHING clause renders, for the statement cache's key.
_DO_NOTHING_KEY = [
    ("inferred_target_elements", InternalTraversal.dp_string_list),
    ("inferred_target_whereclause", InternalTraversal.dp_clauseelement),
]


class _PgDoNothing(PgDoNothing):
    inherit_cache = True
    _traverse_internals = _DO_NOTHING_KEY


class _SqliteDoNothing(SqliteDoNothing):
    inherit_cache = True
    _traverse_internals = _DO_NOTHING_KEY


class _PgInsert(postgresql.Insert):
    inherit_cache = True  # the base INSERT's key, which includes the ON CONFLICT clause's


class _SqliteInsert(sqlite.Insert):
    inherit_cache = True


def insert_unless_present(model: Any, conflict_on: Sequence[str]) -> postgresql.Insert | sqlite.Insert:
    """An INSERT into `model` that skips any row whose `conflict_on` columns (a unique key) are
    already taken, even by a transaction racing this one; add `.returning()` to learn which went in."""
    targets = list(conflict_on)
    stmt: postgresql.Insert | sqlite.Insert
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = _PgInsert(model)
        stmt._post_values_clause = _PgDoNothing(index_elements=targets)
    else:
        stmt = _SqliteInsert(model)
        stmt._post_values_clause = _SqliteDoNothing(index_elements=targets)
    return stmt
