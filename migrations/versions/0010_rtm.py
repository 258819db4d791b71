"""RTM episodes, time entries and zone history; FHIR Bulk Data exports

Revision ID: 0010_rtm
Revises: 0008_prescription_effective_from
Create Date: 2026-11-25 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0010_rtm"
down_revision = "0008_prescription_effective_from"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rtm_episodes",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("consent_recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("consent_recorded_by_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consent_recorded_by_id"],
            ["users.id"],
            name=op.f("fk_rtm_episodes_consent_recorded_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_rtm_episodes_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rtm_episodes")),
    )
    with op.batch_alter_table("rtm_episodes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rtm_episodes_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(
            "uq_rtm_episodes_open_patient",
            ["patient_id"],
            unique=True,
            postgresql_where=sa.text("ended_on IS NULL"),
            sqlite_where=sa.text("ended_on IS NULL"),
        )

    op.create_table(
        "rtm_time_entries",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("activity", sa.String(length=32), nullable=False),
        sa.Column("modality", sa.String(length=16), nullable=True),
        sa.Column("interactive", sa.Boolean(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_rtm_time_entries_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_rtm_time_entries_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rtm_time_entries")),
    )
    with op.batch_alter_table("rtm_time_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_rtm_time_entries_patient_occurred", ["patient_id", "occurred_at"], unique=False
        )

    op.create_table(
        "rtm_zone_changes",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_rtm_zone_changes_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rtm_zone_changes")),
    )
    with op.batch_alter_table("rtm_zone_changes", schema=None) as batch_op:
        batch_op.create_index("ix_rtm_zone_changes_patient_since", ["patient_id", "since"], unique=False)

    op.create_table(
        "fhir_exports",
        sa.Column("requested_by_id", sa.Uuid(), nullable=False),
        sa.Column("request_url", sa.String(length=300), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("patients_total", sa.Integer(), nullable=False),
        sa.Column("patients_done", sa.Integer(), nullable=False),
        sa.Column("output", sa.JSON(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["users.id"], name=op.f("fk_fhir_exports_requested_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fhir_exports")),
    )
    with op.batch_alter_table("fhir_exports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fhir_exports_requested_by_id"), ["requested_by_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("fhir_exports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fhir_exports_requested_by_id"))
    op.drop_table("fhir_exports")
    with op.batch_alter_table("rtm_zone_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_rtm_zone_changes_patient_since")
    op.drop_table("rtm_zone_changes")
    with op.batch_alter_table("rtm_time_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_rtm_time_entries_patient_occurred")
    op.drop_table("rtm_time_entries")
    with op.batch_alter_table("rtm_episodes", schema=None) as batch_op:
        batch_op.drop_index("uq_rtm_episodes_open_patient")
        batch_op.drop_index(batch_op.f("ix_rtm_episodes_patient_id"))
    op.drop_table("rtm_episodes")
