"""video visits

Revision ID: 0004_visits
Revises: 0003_measures
Create Date: 2026-11-21 23:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_visits'
down_revision = '0003_measures'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('visits',
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('therapist_id', sa.Uuid(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('room', sa.String(length=64), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('no_show_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_by_id', sa.Uuid(), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('note_subjective', sa.Text(), nullable=True),
    sa.Column('note_objective', sa.Text(), nullable=True),
    sa.Column('note_assessment', sa.Text(), nullable=True),
    sa.Column('note_plan', sa.Text(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('duration_minutes BETWEEN 15 AND 120', name=op.f('ck_visits_duration_range')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_visits_ends_after_start')),
    sa.ForeignKeyConstraint(['cancelled_by_id'], ['users.id'], name=op.f('fk_visits_cancelled_by_id_users')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_visits_patient_id_patients')),
    sa.ForeignKeyConstraint(['therapist_id'], ['therapists.id'], name=op.f('fk_visits_therapist_id_therapists')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits')),
    sa.UniqueConstraint('room', name=op.f('uq_visits_room'))
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        # The reminder engine scans scheduled visits by start time.
        batch_op.create_index('ix_visits_status_starts_at', ['status', 'starts_at'], unique=False)
        batch_op.create_index('ix_visits_therapist_id_starts_at', ['therapist_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_visits_patient_id_starts_at', ['patient_id', 'starts_at'], unique=False)


def downgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index('ix_visits_patient_id_starts_at')
        batch_op.drop_index('ix_visits_therapist_id_starts_at')
        batch_op.drop_index('ix_visits_status_starts_at')

    op.drop_table('visits')
