"""email changes: a user's pending sign-in address, and the address an email-change link confirms

Revision ID: 0007_email_changes
Revises: 0006_outbox_jobs
Create Date: 2026-11-30 10:25:52

"""

import sqlalchemy as sa
from alembic import op

revision = "0007_email_changes"
down_revision = "0006_outbox_jobs"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("one_time_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_email", sa.String(length=254), nullable=True))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("pending_email")
    with op.batch_alter_table("one_time_tokens", schema=None) as batch_op:
        batch_op.drop_column("email")
