"""INSERT ... ON CONFLICT DO NOTHING, in the dialect of whichever backend the session talks to."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from telehealth.extensions import db


def insert_unless_present(model: Any, conflict_on: Sequence[str]) -> postgresql.Insert | sqlite.Insert:
    """An INSERT into `model` that skips any row whose `conflict_on` columns (a unique key) are
    already taken, even by a transaction racing this one; add `.returning()` to learn which went in."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(model).on_conflict_do_nothing(index_elements=list(conflict_on))
