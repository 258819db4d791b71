"""INSERT ... ON CONFLICT, in the dialect of whichever backend the session talks to.

SQLAlchemy 2.0 never caches the compiled form of its PostgreSQL and SQLite INSERTs nor of their
ON CONFLICT clauses (those classes opt out of statement caching), so each execution compiled the
statement afresh: on every progress log written, the largest single cost of the request after the
database. The small subclasses below opt back in, with a cache key that covers everything an
ON CONFLICT clause renders: its conflict columns (always given as names here), its index WHERE, and
for DO UPDATE the SET list and its WHERE.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, bindparam, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import dml as pg_dml
from sqlalchemy.dialects.sqlite import dml as sqlite_dml
from sqlalchemy.sql.visitors import InternalTraversal

from telehealth.extensions import db

_TARGET_KEY = [
    ("inferred_target_elements", InternalTraversal.dp_string_list),
    ("inferred_target_whereclause", InternalTraversal.dp_clauseelement),
]
_UPDATE_KEY = [
    *_TARGET_KEY,
    ("update_values_to_set", InternalTraversal.dp_dml_ordered_values),
    ("update_whereclause", InternalTraversal.dp_clauseelement),
]


class _PgInsert(postgresql.Insert):
    inherit_cache = True  # the base INSERT's key, which includes the ON CONFLICT clause's


class _PgDoNothing(pg_dml.OnConflictDoNothing):
    inherit_cache = True
    _traverse_internals = _TARGET_KEY


class _PgDoUpdate(pg_dml.OnConflictDoUpdate):
    inherit_cache = True
    _traverse_internals = _UPDATE_KEY


class _SqliteInsert(sqlite.Insert):
    inherit_cache = True


class _SqliteDoNothing(sqlite_dml.OnConflictDoNothing):
    inherit_cache = True
    _traverse_internals = _TARGET_KEY


class _SqliteDoUpdate(sqlite_dml.OnConflictDoUpdate):
    inherit_cache = True
    _traverse_internals = _UPDATE_KEY


def _on_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _insert(model: Any) -> postgresql.Insert | sqlite.Insert:
    return _PgInsert(model) if _on_postgresql() else _SqliteInsert(model)


def insert_unless_present(model: Any, conflict_on: Sequence[str]) -> postgresql.Insert | sqlite.Insert:
    """An INSERT into `model` that skips any row whose `conflict_on` columns (a unique key) are
    already taken, even by a transaction racing this one; add `.returning()` to learn which went in."""
    stmt = _insert(model)
    clause = _PgDoNothing if _on_postgresql() else _SqliteDoNothing
    stmt._post_values_clause = clause(index_elements=list(conflict_on))
    return stmt


def insert_or_add(
    model: Any,
    conflict_on: Sequence[str],
    columns: Sequence[str],
    rows: int,
    *,
    add: Sequence[str],
    only_if: ColumnElement[bool] | None = None,
) -> postgresql.Insert | sqlite.Insert:
    """One INSERT of `rows` rows of `columns`, bound as parameters named `<column>_<n>` (n from 0);
    a row whose `conflict_on` key is taken, even by a racing transaction, adds its `add` columns to
    the stored row's instead. With `only_if` (bound parameters of the caller's own), nothing at all is
    written unless that condition holds as the statement runs (its rowcount is 0). Give each key once:
    one statement may not update a row twice. Build it once per row count and keep it: it has no
    values of its own."""
    table = model.__table__
    insert = _insert(table)  # Core: the parameters are the statement's own, not rows of the model
    # Rows as SELECTs of bound values, so the condition can filter them in the same statement.
    selects = [
        select(*(bindparam(f"{name}_{n}", type_=table.c[name].type).label(name) for name in columns))
        for n in range(rows)
    ]
    source = (selects[0] if rows == 1 else union_all(*selects)).subquery("incoming")
    incoming = select(*(source.c[name] for name in columns))
    insert = insert.from_select(list(columns), incoming if only_if is None else incoming.where(only_if))
    clause = _PgDoUpdate if _on_postgresql() else _SqliteDoUpdate
    insert._post_values_clause = clause(
        index_elements=list(conflict_on),
        set_={name: table.c[name] + insert.excluded[name] for name in add},
    )
    return insert
