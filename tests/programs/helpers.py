"""Small builders shared by the program and progress tests."""

from __future__ import annotations

import uuid
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from telehealth.extensions import db


def log_body(assignment: dict[str, Any], performed_at: str, **fields: Any) -> dict[str, Any]:
    """A progress log as a phone sends it, with a fresh client id."""
    return {
        "id": str(uuid.uuid4()),
        "assignment_id": assignment["id"],
        "performed_at": performed_at,
        "sets_completed": 3,
        "reps_completed": 10,
        "pain_score": 3,
        "difficulty": 2,
    } | fields


OUR_TABLES = {"exercises", "program_templates", "program_template_items", "assignments", "progress_logs"}


def _table_of(diff: tuple | list) -> str:
    """The table an Alembic difference is about, whatever its shape."""
    change = diff[0] if isinstance(diff, list) else diff  # column changes come as a list of tuples
    kind, subject = change[0], change[1]
    if kind.endswith("_table"):
        return subject.name
    if kind.endswith(("_index", "_constraint", "_fk")):
        return subject.table.name
    return change[2]  # (kind, schema, table name, column ...)


def schema_differences() -> list:
    """How the migrated database differs from our models, for our tables only."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return [d for d in compare_metadata(context, db.metadata) if _table_of(d) in OUR_TABLES]
