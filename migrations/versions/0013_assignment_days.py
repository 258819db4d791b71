"""Day tallies of progress logs (assignment_days), filled from the logs already stored

Revision ID: 0013_assignment_days
Revises: 0012_intake
Create Date: 2026-11-30 16:20:00

Per assignment and local day of its patient (patients.timezone), how many logs named the left side,
the right side and no side; adherence (the caseload dashboard, reports, reminders, today) reads these
rows instead of every raw log. Raw side counts, not sets done: the prescription caps them at read
time, so prescription changes never touch them. The backfill reads the logs a batch of patients at
a time and converts each instant to the patient's local date in Python (SQLite has no zone data), so
it means the same on both backends and holds only one batch's tallies in memory.
"""

from collections import defaultdict
from datetime import UTC
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0013_assignment_days"
down_revision = "0012_intake"
branch_labels = None
depends_on = None

PATIENTS_PER_BATCH = 200
ROWS_PER_INSERT = 1000
COLUMN_OF = {"left": "left_logs", "right": "right_logs", None: "unsided_logs"}

patients = sa.table("patients", sa.column("id", sa.Uuid()), sa.column("timezone", sa.String()))
progress_logs = sa.table(
    "progress_logs",
    sa.column("patient_id", sa.Uuid()),
    sa.column("assignment_id", sa.Uuid()),
    sa.column("performed_at", sa.DateTime(timezone=True)),
    sa.column("side", sa.String()),
)


def upgrade():
    assignment_days = op.create_table(
        "assignment_days",
        sa.Column("assignment_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("left_logs", sa.Integer(), nullable=False),
        sa.Column("right_logs", sa.Integer(), nullable=False),
        sa.Column("unsided_logs", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignments.id"],
            name=op.f("fk_assignment_days_assignment_id_assignments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_assignment_days_patient_id_patients"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("assignment_id", "day", name=op.f("pk_assignment_days")),
    )
    with op.batch_alter_table("assignment_days", schema=None) as batch_op:
        batch_op.create_index("ix_assignment_days_patient_day", ["patient_id", "day"], unique=False)
    _backfill(op.get_bind(), assignment_days)


def _backfill(connection, assignment_days):
    zones = connection.execute(sa.select(patients.c.id, patients.c.timezone).order_by(patients.c.id)).all()
    for first in range(0, len(zones), PATIENTS_PER_BATCH):
        batch = dict(zones[first : first + PATIENTS_PER_BATCH])
        logs = connection.execute(
            sa.select(
                progress_logs.c.patient_id,
                progress_logs.c.assignment_id,
                progress_logs.c.performed_at,
                progress_logs.c.side,
            ).where(progress_logs.c.patient_id.in_(list(batch)))
        )
        tallies = defaultdict(lambda: {"left_logs": 0, "right_logs": 0, "unsided_logs": 0})
        for patient_id, assignment_id, performed_at, side in logs:
            if performed_at.tzinfo is None:  # SQLite hands back the stored UTC instant naive
                performed_at = performed_at.replace(tzinfo=UTC)
            day = performed_at.astimezone(ZoneInfo(batch[patient_id])).date()
            tallies[(assignment_id, day, patient_id)][COLUMN_OF[side]] += 1
        rows = [
            {"assignment_id": assignment_id, "day": day, "patient_id": patient_id, **counts}
            for (assignment_id, day, patient_id), counts in tallies.items()
        ]
        for start in range(0, len(rows), ROWS_PER_INSERT):
            connection.execute(assignment_days.insert(), rows[start : start + ROWS_PER_INSERT])


def downgrade():
    with op.batch_alter_table("assignment_days", schema=None) as batch_op:
        batch_op.drop_index("ix_assignment_days_patient_day")
    op.drop_table("assignment_days")
