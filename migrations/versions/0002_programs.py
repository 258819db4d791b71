"""programs and progress: exercises, templates, assignments, progress logs; the exercise library

Revision ID: 0002_programs
Revises: 0001_foundation
Create Date: 2026-11-21 23:34:20.605055

"""
import uuid
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_programs'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None

# The starting exercise library (DOMAIN.md) as it stood when this revision was written, frozen here
# so a later edit of telehealth/programs/library.py never changes what this revision inserts.
# (name, body_region, category, default_sets, default_reps, default_hold_seconds, instructions)
LIBRARY = (('Seated hip internal rotation',
  'hip',
  'mobility',
  2,
  10,
  None,
  'Sit tall on a firm chair with your knees bent and feet flat. Keep your knee in place and swing your '
  'foot out to the side, so the thigh turns inward, then bring it back. You should feel a gentle turning '
  'deep in the hip and outer buttock. Keep your trunk upright and your buttocks on the chair; stop short '
  'of any pinching in the groin.'),
 ('Prone hip internal rotation',
  'hip',
  'mobility',
  2,
  10,
  None,
  'Lie on your stomach with your knees together and bent to a right angle. Let both feet fall slowly out '
  'to the sides, then bring them back to the middle. You should feel the hips turn and a mild stretch on '
  'the outside of the hips. Keep your pelvis flat on the floor and your lower back relaxed; do not force '
  'the feet down.'),
 ('Side-lying hip internal rotation',
  'hip',
  'mobility',
  2,
  10,
  None,
  'Lie on your side with both knees bent and a pillow between them. Keeping the top knee resting on the '
  'pillow, lift the top foot up toward the ceiling, then lower it slowly. You should feel the top hip '
  'turning inward and the side of the hip working. Do not let your top hip roll backward as the foot '
  'lifts.'),
 ('90/90 hip switches',
  'hip',
  'mobility',
  2,
  8,
  None,
  'Sit on the floor with both knees bent at right angles and your feet wider than your hips, hands on the '
  'floor behind you. Let both knees fall to one side, then lift them and let them fall to the other side. '
  'You should feel both hips turning in opposite directions. Move slowly, only as far as is comfortable, '
  'and keep your chest up rather than slumping.'),
 ('Quadruped rock back',
  'hip',
  'mobility',
  2,
  10,
  None,
  'Start on your hands and knees, hands under your shoulders and knees under your hips. Keep your back '
  'flat and rock your hips back toward your heels, then return. You should feel a stretch in the hips and '
  'buttocks. Stop the movement before your lower back starts to round.'),
 ('Standing hip circles',
  'hip',
  'mobility',
  2,
  10,
  None,
  'Stand holding a counter or chair for balance. Lift one knee to about hip height and draw a slow, wide '
  'circle out to the side and back down. You should feel the hip joint moving smoothly through its range. '
  'Keep your trunk still and your pelvis level; do not swing the leg.'),
 ('Figure-4 (piriformis) stretch',
  'hip',
  'stretch',
  3,
  None,
  30,
  'Lie on your back with both knees bent and cross one ankle over the opposite knee. Hold the back of the '
  'lower thigh and gently pull it toward your chest. You should feel a stretch deep in the buttock of the '
  'crossed leg. Breathe slowly, keep your head on the floor, and ease off if you feel pain in the knee or '
  'groin.'),
 ('Half-kneeling hip flexor stretch',
  'hip',
  'stretch',
  3,
  None,
  30,
  'Kneel on one knee on a cushion with the other foot flat in front of you. Tuck your tailbone under, '
  'squeeze the buttock of the kneeling side and shift your weight gently forward. You should feel a '
  'stretch at the front of the hip of the kneeling leg. Do not arch your lower back or lean forward to get '
  'deeper.'),
 ('Butterfly (adductor) stretch',
  'hip',
  'stretch',
  3,
  None,
  30,
  'Sit tall with the soles of your feet together and your knees falling out to the sides. Hold your ankles '
  'and let your knees drop gently toward the floor. You should feel a stretch along the inner thighs. Do '
  'not bounce or push the knees down with your hands.'),
 ('Supine knee-to-chest',
  'lumbar',
  'stretch',
  3,
  None,
  20,
  'Lie on your back with both knees bent. Hold behind one thigh and draw that knee gently toward your '
  'chest, keeping the other foot on the floor. You should feel a gentle stretch in the lower back and '
  'buttock. Keep your head and shoulders relaxed on the floor and do not pull hard on the knee.'),
 ('Clamshell',
  'hip',
  'strength',
  3,
  12,
  None,
  'Lie on your side with hips and knees bent and your heels together. Keeping your feet together, lift the '
  'top knee as far as you can without moving your pelvis, then lower it slowly. You should feel the side '
  'and back of the top hip working. Keep your hips stacked; do not let the top hip roll backward.'),
 ('Reverse clamshell',
  'hip',
  'strength',
  3,
  12,
  None,
  'Lie on your side with hips and knees bent and your knees together. Keeping the knees touching, lift the '
  'top foot up toward the ceiling, then lower it slowly. You should feel the deep muscles on the side of '
  'the top hip working. Keep your hips stacked and move without jerking.'),
 ('Glute bridge',
  'hip',
  'strength',
  3,
  10,
  3,
  'Lie on your back with knees bent and feet flat, hip-width apart. Tighten your stomach, squeeze your '
  'buttocks and lift your hips until shoulders, hips and knees are in a line, hold, then lower slowly. You '
  'should feel your buttocks and the backs of your thighs working. Do not arch your lower back or push up '
  'through your neck.'),
 ('Single-leg bridge',
  'hip',
  'strength',
  3,
  8,
  3,
  'Lie on your back with knees bent, then straighten one leg in line with the other thigh. Push through '
  'the heel on the floor to lift your hips, hold, then lower slowly. You should feel the buttock of the '
  'standing leg working hard. Keep your pelvis level; do not let it drop toward the lifted leg.'),
 ('Side-lying hip abduction',
  'hip',
  'strength',
  3,
  12,
  None,
  'Lie on your side with the bottom knee bent and the top leg straight in line with your body, toes '
  'pointing forward. Lift the top leg a little above hip height, then lower it slowly. You should feel the '
  'outer hip working. Do not roll backward or turn the toes up toward the ceiling.'),
 ('Banded lateral walk',
  'hip',
  'strength',
  3,
  10,
  None,
  'Place a resistance band just above your knees and stand with feet hip-width apart, knees slightly bent. '
  'Step sideways, keeping tension on the band, for the number of steps, then walk back. You should feel '
  'the outer hips working. Keep your knees from caving inward and do not let your feet come fully '
  'together.'),
 ('Bird dog',
  'core',
  'motor_control',
  3,
  8,
  5,
  'Start on your hands and knees with your back flat and stomach gently braced. Reach one arm forward and '
  'the opposite leg back until both are level with your body, hold, then return and switch sides. You '
  'should feel your back and buttock muscles holding your trunk still. Do not arch your back or let your '
  'hips tip to one side.'),
 ('Dead bug',
  'core',
  'motor_control',
  3,
  8,
  None,
  'Lie on your back with arms pointing to the ceiling and hips and knees bent to right angles. Keep your '
  'lower back gently pressed into the floor while you slowly lower one arm and the opposite leg, then '
  'return and switch. You should feel your deep stomach muscles working. Only lower as far as you can '
  'without your back lifting off the floor.'),
 ('Abdominal drawing-in',
  'core',
  'motor_control',
  1,
  10,
  10,
  'Lie on your back with knees bent and feet flat. Breathe out and gently draw your belly button in toward '
  'your spine without moving your pelvis, then hold while breathing normally. You should feel a light '
  'tightening low in your stomach. Do not hold your breath, suck in your ribs or press your back hard into '
  'the floor.'),
 ('Front plank',
  'core',
  'strength',
  3,
  None,
  20,
  'Rest on your forearms and toes, or on your knees to make it easier, with your body in a straight line '
  'from head to heels. Brace your stomach and hold, breathing steadily. You should feel your stomach and '
  'shoulders working. Do not let your hips sag or pike up, and stop if your lower back aches.'),
 ('Side plank',
  'core',
  'strength',
  3,
  None,
  15,
  'Lie on your side propped on your forearm, elbow under the shoulder, knees bent or legs straight. Lift '
  'your hips until your body is in a straight line and hold. You should feel the side of your trunk and '
  'hip working. Do not let your hips drop or roll forward.'),
 ('Pelvic tilt',
  'lumbar',
  'mobility',
  2,
  10,
  3,
  'Lie on your back with knees bent and feet flat. Tighten your stomach and tilt your pelvis so your lower '
  'back flattens gently into the floor, hold, then relax back to neutral. You should feel a gentle '
  'movement in the lower back. Do not push with your legs or hold your breath.'),
 ('Cat-camel',
  'lumbar',
  'mobility',
  2,
  10,
  None,
  'Start on your hands and knees. Slowly round your back up toward the ceiling, tucking your chin, then '
  'let your back sag gently while you lift your head. You should feel your spine moving a little at every '
  'level. Move slowly and stay within a comfortable range.'),
 ('Prone press-up',
  'lumbar',
  'mobility',
  2,
  10,
  2,
  'Lie on your stomach with your hands under your shoulders. Press your upper body up while your hips stay '
  'on the floor and your back stays relaxed, hold briefly, then lower. You should feel a gentle stretch or '
  'pressure in the lower back. Stop and tell your therapist if pain spreads further down your leg.'))
# Ids derive from names, as seed_library() derives them.
LIBRARY_NAMESPACE = uuid.UUID('7a1c2f4e-3b9d-4c55-9e0a-6d2b8f1e4a90')


def library_rows():
    return [
        {
            'id': uuid.uuid5(LIBRARY_NAMESPACE, name),
            'name': name,
            'instructions': instructions,
            'body_region': region,
            'category': category,
            'media_url': None,
            'default_sets': sets,
            'default_reps': reps,
            'default_hold_seconds': hold,
            'archived': False,
            'author_id': None,
        }
        for name, region, category, sets, reps, hold, instructions in LIBRARY
    ]


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

    # The starting exercise library, frozen below.
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
