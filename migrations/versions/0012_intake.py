"""Therapists' availability and free screening requests

Revision ID: 0012_intake
Revises: 0011_enum_checks
Create Date: 2026-12-01 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0012_intake"
down_revision = "0011_enum_checks"
branch_labels = None
depends_on = None

SCREENING_STATUSES = ("unconfirmed", "requested", "accepted", "declined", "expired")


def upgrade():
    op.create_table(
        "therapist_availability",
        sa.Column("therapist_id", sa.Uuid(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("weekly", sa.JSON(), nullable=False),
        sa.Column("exceptions", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["therapist_id"],
            ["therapists.id"],
            name=op.f("fk_therapist_availability_therapist_id_therapists"),
        ),
        sa.PrimaryKeyConstraint("therapist_id", name=op.f("pk_therapist_availability")),
    )

    statuses = ", ".join(f"'{status}'" for status in SCREENING_STATUSES)
    op.create_table(
        "screening_requests",
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("red_flags", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("therapist_id", sa.Uuid(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hold_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirm_token_hash", sa.String(length=64), nullable=True),
        sa.Column("confirm_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Uuid(), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column("patient_id", sa.Uuid(), nullable=True),
        sa.Column("visit_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"status IN ({statuses})", name=op.f("ck_screening_requests_status")),
        sa.ForeignKeyConstraint(
            ["therapist_id"], ["therapists.id"], name=op.f("fk_screening_requests_therapist_id_therapists")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_screening_requests_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_screening_requests_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(["visit_id"], ["visits.id"], name=op.f("fk_screening_requests_visit_id_visits")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_requests")),
        sa.UniqueConstraint("confirm_token_hash", name=op.f("uq_screening_requests_confirm_token_hash")),
    )
    with op.batch_alter_table("screening_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_screening_requests_status_created_at", ["status", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_screening_requests_therapist_id_starts_at", ["therapist_id", "starts_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("screening_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_screening_requests_therapist_id_starts_at")
        batch_op.drop_index("ix_screening_requests_status_created_at")
    op.drop_table("screening_requests")
    op.drop_table("therapist_availability")
