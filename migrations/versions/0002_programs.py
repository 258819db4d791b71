"""programs and progress: exercises, templates, assignments, progress logs; the exercise library

Revision ID: 0002_programs
Revises: 0001_foundation
Create Date: 2026-11-21 23:34:20.605055

"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_programs'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('exercises',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('instructions', sa.Text(), nullable=False),
    sa.Column('body_region', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('media_url', sa.String(length=500), nullable=True),
    sa.Column('default_sets', sa.Integer(), nullable=False),
    sa.Column('default_reps', sa.Integer(), nullable=True),
    sa.Column('default_hold_seconds', sa.Integer(), nullable=True),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('author_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_exercises_author_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exercises'))
    )
    with op.batch_alter_table('exercises', schema=None) as batch_op:
        batch_op.create_index('ix_exercises_archived_region_category', ['archived', 'body_region', 'category'], unique=False)
        batch_op.create_index(batch_op.f('ix_exercises_author_id'), ['author_id'], unique=False)

    op.create_table('program_templates',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('author_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_program_templates_author_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_program_templates'))
    )
    with op.batch_alter_table('program_templates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_program_templates_name'), ['name'], unique=False)

    op.create_table('assignments',
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('exercise_id', sa.Uuid(), nullable=False),
    sa.Column('template_id', sa.Uuid(), nullable=True),
    sa.Column('sets', sa.Integer(), nullable=False),
    sa.Column('reps', sa.Integer(), nullable=True),
    sa.Column('hold_seconds', sa.Integer(), nullable=True),
    sa.Column('side', sa.String(length=8), nullable=False),
    sa.Column('times_per_day', sa.Integer(), nullable=False),
    sa.Column('days_of_week', sa.JSON(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('ended_by', sa.Uuid(), nullable=True),
    sa.Column('history', sa.JSON(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_assignments_created_by_users')),
    sa.ForeignKeyConstraint(['ended_by'], ['users.id'], name=op.f('fk_assignments_ended_by_users')),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], name=op.f('fk_assignments_exercise_id_exercises')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_assignments_patient_id_patients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['template_id'], ['program_templates.id'], name=op.f('fk_assignments_template_id_program_templates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignments'))
    )
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignments_exercise_id'), ['exercise_id'], unique=False)
        batch_op.create_index('ix_assignments_patient_status', ['patient_id', 'status'], unique=False)

    op.create_table('program_template_items',
    sa.Column('template_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('exercise_id', sa.Uuid(), nullable=False),
    sa.Column('sets', sa.Integer(), nullable=False),
    sa.Column('reps', sa.Integer(), nullable=True),
    sa.Column('hold_seconds', sa.Integer(), nullable=True),
    sa.Column('side', sa.String(length=8), nullable=False),
    sa.Column('times_per_day', sa.Integer(), nullable=False),
    sa.Column('days_of_week', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], name=op.f('fk_program_template_items_exercise_id_exercises')),
    sa.ForeignKeyConstraint(['template_id'], ['program_templates.id'], name=op.f('fk_program_template_items_template_id_program_templates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_program_template_items'))
    )
    with op.batch_alter_table('program_template_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_program_template_items_template_id'), ['template_id'], unique=False)

    op.create_table('progress_logs',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('assignment_id', sa.Uuid(), nullable=False),
    sa.Column('performed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sets_completed', sa.Integer(), nullable=False),
    sa.Column('reps_completed', sa.Integer(), nullable=True),
    sa.Column('hold_seconds', sa.Integer(), nullable=True),
    sa.Column('side', sa.String(length=8), nullable=True),
    sa.Column('pain_score', sa.Integer(), nullable=False),
    sa.Column('difficulty', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_progress_logs_assignment_id_assignments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_progress_logs_patient_id_patients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_progress_logs_recorded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_progress_logs'))
    )
    with op.batch_alter_table('progress_logs', schema=None) as batch_op:
        batch_op.create_index('ix_progress_logs_assignment_performed', ['assignment_id', 'performed_at'], unique=False)
        batch_op.create_index('ix_progress_logs_patient_performed', ['patient_id', 'performed_at'], unique=False)

    # The starting exercise library (DOMAIN.md); ids derive from names, as seed_library() uses.
    from telehealth.programs.library import library_rows

    exercises = sa.table(
        'exercises',
        sa.column('id', sa.Uuid()),
        sa.column('name', sa.String()),
        sa.column('instructions', sa.Text()),
        sa.column('body_region', sa.String()),
        sa.column('category', sa.String()),
        sa.column('media_url', sa.String()),
        sa.column('default_sets', sa.Integer()),
        sa.column('default_reps', sa.Integer()),
        sa.column('default_hold_seconds', sa.Integer()),
        sa.column('archived', sa.Boolean()),
        sa.column('author_id', sa.Uuid()),
        sa.column('created_at', sa.DateTime(timezone=True)),
        sa.column('updated_at', sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    op.bulk_insert(exercises, [row | {'created_at': now, 'updated_at': now} for row in library_rows()])


def downgrade():
    with op.batch_alter_table('progress_logs', schema=None) as batch_op:
        batch_op.drop_index('ix_progress_logs_patient_performed')
        batch_op.drop_index('ix_progress_logs_assignment_performed')

    op.drop_table('progress_logs')
    with op.batch_alter_table('program_template_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_program_template_items_template_id'))

    op.drop_table('program_template_items')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_assignments_patient_status')
        batch_op.drop_index(batch_op.f('ix_assignments_exercise_id'))

    op.drop_table('assignments')
    with op.batch_alter_table('program_templates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_program_templates_name'))

    op.drop_table('program_templates')
    with op.batch_alter_table('exercises', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exercises_author_id'))
        batch_op.drop_index('ix_exercises_archived_region_category')

    op.drop_table('exercises')
