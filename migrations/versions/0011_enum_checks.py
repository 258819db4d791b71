"""Enumerated columns (status, kind, role, channel ...) hold only their values: a CHECK on each

Revision ID: 0011_enum_checks
Revises: 0010_rtm
Create Date: 2026-11-30 14:00:00

The models type these columns with a StrEnum, stored as VARCHAR(32) under a CHECK named
ck_<table>_<column>. Rows the app wrote already hold only these values, so no data changes. The
values are written out here, as they are today, so this revision means the same whatever the
enums become later (a new value is a new revision).
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_enum_checks"
down_revision = "0010_rtm"
branch_labels = None
depends_on = None

ENUM_LENGTH = 32

ROLES = ("admin", "therapist", "patient")
BODY_SIDES = ("left", "right")
ASSIGNMENT_SIDES = ("left", "right", "both", "none")

# table -> [(column, its VARCHAR length before this revision, nullable, the values it may hold)]
COLUMNS: dict[str, list[tuple[str, int, bool, tuple[str, ...]]]] = {
    "users": [("role", 16, False, ROLES)],
    "one_time_tokens": [("purpose", 32, False, ("invitation", "password_reset", "email_change"))],
    "patients": [("status", 16, False, ("active", "discharged"))],
    "audit_events": [
        ("actor_role", 16, True, ROLES),
        ("outcome", 16, False, ("success", "denied", "rejected", "error")),
    ],
    "exercises": [
        ("body_region", 16, False, ("hip", "lumbar", "core", "pelvis", "lower_limb")),
        ("category", 16, False, ("mobility", "stretch", "strength", "motor_control")),
    ],
    "program_template_items": [("side", 8, False, ASSIGNMENT_SIDES)],
    "assignments": [
        ("side", 8, False, ASSIGNMENT_SIDES),
        ("status", 8, False, ("active", "ended")),
    ],
    "progress_logs": [("side", 8, True, BODY_SIDES)],
    "measurements": [
        (
            "type",
            32,
            False,
            (
                "hip_internal_rotation",
                "hip_external_rotation",
                "hip_flexion",
                "hip_extension",
                "hip_abduction",
            ),
        ),
        ("side", 8, False, BODY_SIDES),
        ("source", 24, False, ("clinician", "patient_reported")),
        ("position", 16, True, ("seated", "prone", "supine")),
        ("mode", 16, True, ("active", "passive")),
        ("instrument", 16, True, ("goniometer", "inclinometer", "visual")),
    ],
    "outcomes": [
        ("instrument", 8, False, ("odi", "nprs", "psfs")),
        (
            "interpretation",
            16,
            True,
            ("none", "mild", "minimal", "moderate", "severe", "crippled", "bed_bound"),
        ),
    ],
    "visits": [
        ("kind", 32, False, ("screening", "initial_evaluation", "follow_up")),
        ("status", 16, False, ("scheduled", "in_progress", "completed", "cancelled", "no_show")),
    ],
    "notifications": [
        ("kind", 32, False, ("exercise_reminder", "session_reminder", "inactivity_nudge")),
        ("channel", 16, False, ("email", "sms", "push")),
        ("status", 16, False, ("pending", "queued", "sending", "sent", "failed", "skipped")),
    ],
    "rtm_time_entries": [
        ("activity", 32, False, ("data_review", "program_update", "patient_communication")),
        ("modality", 16, True, ("video", "phone", "message")),
    ],
    "fhir_exports": [("status", 16, False, ("queued", "running", "completed", "failed"))],
}


def _check_name(table: str, column: str) -> str:
    return op.f(f"ck_{table}_{column}")


def upgrade():
    for table, columns in COLUMNS.items():
        # On SQLite each table is rebuilt once, with its new types and CHECKs; PostgreSQL alters in place.
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, length, nullable, values in columns:
                if length != ENUM_LENGTH:
                    batch_op.alter_column(
                        column,
                        existing_type=sa.String(length=length),
                        type_=sa.String(length=ENUM_LENGTH),
                        existing_nullable=nullable,
                    )
                batch_op.create_check_constraint(
                    _check_name(table, column), sa.column(column, sa.String()).in_(values)
                )


def downgrade():
    for table, columns in reversed(COLUMNS.items()):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, length, nullable, _values in columns:
                batch_op.drop_constraint(_check_name(table, column), type_="check")
                if length != ENUM_LENGTH:
                    batch_op.alter_column(
                        column,
                        existing_type=sa.String(length=ENUM_LENGTH),
                        type_=sa.String(length=length),
                        existing_nullable=nullable,
                    )
