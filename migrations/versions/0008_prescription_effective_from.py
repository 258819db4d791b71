"""assignments.effective_from: each prescription version is in force from a local date

Revision ID: 0008_prescription_effective_from
Revises: 0007_email_changes
Create Date: 2026-11-24 10:00:00

Existing assignments are dated the way new ones are: the first version from its start date (or
the day it was written, if it started later), each later version from the patient's local date of
the change that made it.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0008_prescription_effective_from"
down_revision = "0007_email_changes"
branch_labels = None
depends_on = None


def _local_date(instant, tz_name: str) -> date:
    if isinstance(instant, str):
        instant = datetime.fromisoformat(instant.replace("Z", "+00:00"))
    if instant.tzinfo is None:  # SQLite hands back naive UTC
        instant = instant.replace(tzinfo=ZoneInfo("UTC"))
    return instant.astimezone(ZoneInfo(tz_name)).date()


def _as_date(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def upgrade():
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("effective_from", sa.Date(), nullable=True))

    assignments = sa.table(
        "assignments",
        sa.column("id", sa.Uuid()),
        sa.column("patient_id", sa.Uuid()),
        sa.column("start_date", sa.Date()),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("history", sa.JSON()),
        sa.column("effective_from", sa.Date()),
    )
    patients = sa.table("patients", sa.column("id", sa.Uuid()), sa.column("timezone", sa.String()))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(
            assignments.c.id,
            assignments.c.start_date,
            assignments.c.created_at,
            assignments.c.history,
            patients.c.timezone,
        ).join(patients, patients.c.id == assignments.c.patient_id)
    ).all()
    for row in rows:
        history = list(row.history or [])
        first_start = _as_date(history[0]["prescription"]["start_date"]) if history else row.start_date
        effective = min(first_start, _local_date(row.created_at, row.timezone))
        dated = []
        for entry in history:
            dated.append({**entry, "effective_from": effective.isoformat()})
            effective = max(effective, _local_date(entry["changed_at"], row.timezone))
        connection.execute(
            sa.update(assignments)
            .where(assignments.c.id == row.id)
            .values(effective_from=effective, history=dated)
        )

    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.alter_column("effective_from", existing_type=sa.Date(), nullable=False)


def downgrade():
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_column("effective_from")
