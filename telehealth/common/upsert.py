"""INSERT ... ON CONFLICT, in the dialect of whichever backend the session talks to."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, literal, select, union_all
from sqlalchemy.dialects import postgresql, sqlite

from telehealth.extensions import db


def _insert(model: Any) -> postgresql.Insert | sqlite.Insert:
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(model)


def insert_unless_present(model: Any, conflict_on: Sequence[str]) -> postgresql.Insert | sqlite.Insert:
    """An INSERT into `model` that skips any row whose `conflict_on` columns (a unique key) are
    already taken, even by a transaction racing this one; add `.returning()` to learn which went in."""
    return _insert(model).on_conflict_do_nothing(index_elements=list(conflict_on))


def insert_or_add(
    model: Any,
    conflict_on: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    *,
    add: Sequence[str],
    only_if: ColumnElement[bool] | None = None,
) -> postgresql.Insert | sqlite.Insert:
    """One INSERT of all `rows` (each with the same keys); a row whose `conflict_on` key is taken,
    even by a racing transaction, adds its `add` columns to the stored row's instead. With `only_if`,
    nothing at all is written unless that condition holds as the statement runs (its rowcount is 0).
    Give each key once: one statement may not update a row twice."""
    table = model.__table__
    names = list(rows[0])
    insert = _insert(model)
    if only_if is None:
        insert = insert.values(list(rows))
    else:
        # Rows as SELECTs of bound values, so the condition filters them in the same statement.
        selects = [
            select(*(literal(row[name], table.c[name].type).label(name) for name in names)) for row in rows
        ]
        source = (selects[0] if len(selects) == 1 else union_all(*selects)).subquery("incoming")
        insert = insert.from_select(names, select(*(source.c[name] for name in names)).where(only_if))
    return insert.on_conflict_do_update(
        index_elements=list(conflict_on),
        set_={name: table.c[name] + insert.excluded[name] for name in add},
    )
