"""The starting exercise library (DOMAIN.md), with instructions written for patients.

`LIBRARY` is plain data, so the data migration can insert it without the models; each entry's
id is derived from its name, which makes seeding idempotent on every database.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from telehealth.common.time import utcnow
from telehealth.extensions import db
from telehealth.programs.models import Exercise

LIBRARY_NAMESPACE = uuid.UUID("7a1c2f4e-3b9d-4c55-9e0a-6d2b8f1e4a90")


def library_id(name: str) -> uuid.UUID:
    return uuid.uuid5(LIBRARY_NAMESPACE, name)


# (name, body_region, category, default_sets, default_reps, default_hold_seconds, instructions)
LIBRARY: tuple[tuple[str, str, str, int, int | None, int | None, str], ...] = (
    (
        "Seated hip internal rotation",
        "hip",
        "mobility",
        2,
        10,
        None,
        "Sit tall on a firm chair with your knees bent and feet flat. Keep your knee in place and "
        "swing your foot out to the side, so the thigh turns inward, then bring it back. You should "
        "feel a gentle turning deep in the hip and outer buttock. Keep your trunk upright and your "
        "buttocks on the chair; stop short of any pinching in the groin.",
    ),
    (
        "Prone hip internal rotation",
        "hip",
        "mobility",
        2,
        10,
        None,
        "Lie on your stomach with your knees together and bent to a right angle. Let both feet fall "
        "slowly out to the sides, then bring them back to the middle. You should feel the hips turn "
        "and a mild stretch on the outside of the hips. Keep your pelvis flat on the floor and your "
        "lower back relaxed; do not force the feet down.",
    ),
    (
        "Side-lying hip internal rotation",
        "hip",
        "mobility",
        2,
        10,
        None,
        "Lie on your side with both knees bent and a pillow between them. Keeping the top knee "
        "resting on the pillow, lift the top foot up toward the ceiling, then lower it slowly. You "
        "should feel the top hip turning inward and the side of the hip working. Do not let your "
        "top hip roll backward as the foot lifts.",
    ),
    (
        "90/90 hip switches",
        "hip",
        "mobility",
        2,
        8,
        None,
        "Sit on the floor with both knees bent at right angles and your feet wider than your hips, "
        "hands on the floor behind you. Let both knees fall to one side, then lift them and let them "
        "fall to the other side. You should feel both hips turning in opposite directions. Move "
        "slowly, only as far as is comfortable, and keep your chest up rather than slumping.",
    ),
    (
        "Quadruped rock back",
        "hip",
        "mobility",
        2,
        10,
        None,
        "Start on your hands and knees, hands under your shoulders and knees under your hips. Keep "
        "your back flat and rock your hips back toward your heels, then return. You should feel a "
        "stretch in the hips and buttocks. Stop the movement before your lower back starts to round.",
    ),
    (
        "Standing hip circles",
        "hip",
        "mobility",
        2,
        10,
        None,
        "Stand holding a counter or chair for balance. Lift one knee to about hip height and draw a "
        "slow, wide circle out to the side and back down. You should feel the hip joint moving "
        "smoothly through its range. Keep your trunk still and your pelvis level; do not swing the leg.",
    ),
    (
        "Figure-4 (piriformis) stretch",
        "hip",
        "stretch",
        3,
        None,
        30,
        "Lie on your back with both knees bent and cross one ankle over the opposite knee. Hold the "
        "back of the lower thigh and gently pull it toward your chest. You should feel a stretch deep "
        "in the buttock of the crossed leg. Breathe slowly, keep your head on the floor, and ease off "
        "if you feel pain in the knee or groin.",
    ),
    (
        "Half-kneeling hip flexor stretch",
        "hip",
        "stretch",
        3,
        None,
        30,
        "Kneel on one knee on a cushion with the other foot flat in front of you. Tuck your tailbone "
        "under, squeeze the buttock of the kneeling side and shift your weight gently forward. You "
        "should feel a stretch at the front of the hip of the kneeling leg. Do not arch your lower "
        "back or lean forward to get deeper.",
    ),
    (
        "Butterfly (adductor) stretch",
        "hip",
        "stretch",
        3,
        None,
        30,
        "Sit tall with the soles of your feet together and your knees falling out to the sides. Hold "
        "your ankles and let your knees drop gently toward the floor. You should feel a stretch along "
        "the inner thighs. Do not bounce or push the knees down with your hands.",
    ),
    (
        "Supine knee-to-chest",
        "lumbar",
        "stretch",
        3,
        None,
        20,
        "Lie on your back with both knees bent. Hold behind one thigh and draw that knee gently "
        "toward your chest, keeping the other foot on the floor. You should feel a gentle stretch in "
        "the lower back and buttock. Keep your head and shoulders relaxed on the floor and do not "
        "pull hard on the knee.",
    ),
    (
        "Clamshell",
        "hip",
        "strength",
        3,
        12,
        None,
        "Lie on your side with hips and knees bent and your heels together. Keeping your feet "
        "together, lift the top knee as far as you can without moving your pelvis, then lower it "
        "slowly. You should feel the side and back of the top hip working. Keep your hips stacked; "
        "do not let the top hip roll backward.",
    ),
    (
        "Reverse clamshell",
        "hip",
        "strength",
        3,
        12,
        None,
        "Lie on your side with hips and knees bent and your knees together. Keeping the knees "
        "touching, lift the top foot up toward the ceiling, then lower it slowly. You should feel "
        "the deep muscles on the side of the top hip working. Keep your hips stacked and move "
        "without jerking.",
    ),
    (
        "Glute bridge",
        "hip",
        "strength",
        3,
        10,
        3,
        "Lie on your back with knees bent and feet flat, hip-width apart. Tighten your stomach, "
        "squeeze your buttocks and lift your hips until shoulders, hips and knees are in a line, "
        "hold, then lower slowly. You should feel your buttocks and the backs of your thighs "
        "working. Do not arch your lower back or push up through your neck.",
    ),
    (
        "Single-leg bridge",
        "hip",
        "strength",
        3,
        8,
        3,
        "Lie on your back with knees bent, then straighten one leg in line with the other thigh. "
        "Push through the heel on the floor to lift your hips, hold, then lower slowly. You should "
        "feel the buttock of the standing leg working hard. Keep your pelvis level; do not let it "
        "drop toward the lifted leg.",
    ),
    (
        "Side-lying hip abduction",
        "hip",
        "strength",
        3,
        12,
        None,
        "Lie on your side with the bottom knee bent and the top leg straight in line with your body, "
        "toes pointing forward. Lift the top leg a little above hip height, then lower it slowly. "
        "You should feel the outer hip working. Do not roll backward or turn the toes up toward the "
        "ceiling.",
    ),
    (
        "Banded lateral walk",
        "hip",
        "strength",
        3,
        10,
        None,
        "Place a resistance band just above your knees and stand with feet hip-width apart, knees "
        "slightly bent. Step sideways, keeping tension on the band, for the number of steps, then "
        "walk back. You should feel the outer hips working. Keep your knees from caving inward and "
        "do not let your feet come fully together.",
    ),
    (
        "Bird dog",
        "core",
        "motor_control",
        3,
        8,
        5,
        "Start on your hands and knees with your back flat and stomach gently braced. Reach one arm "
        "forward and the opposite leg back until both are level with your body, hold, then return "
        "and switch sides. You should feel your back and buttock muscles holding your trunk still. "
        "Do not arch your back or let your hips tip to one side.",
    ),
    (
        "Dead bug",
        "core",
        "motor_control",
        3,
        8,
        None,
        "Lie on your back with arms pointing to the ceiling and hips and knees bent to right angles. "
        "Keep your lower back gently pressed into the floor while you slowly lower one arm and the "
        "opposite leg, then return and switch. You should feel your deep stomach muscles working. "
        "Only lower as far as you can without your back lifting off the floor.",
    ),
    (
        "Abdominal drawing-in",
        "core",
        "motor_control",
        1,
        10,
        10,
        "Lie on your back with knees bent and feet flat. Breathe out and gently draw your belly "
        "button in toward your spine without moving your pelvis, then hold while breathing normally. "
        "You should feel a light tightening low in your stomach. Do not hold your breath, suck in "
        "your ribs or press your back hard into the floor.",
    ),
    (
        "Front plank",
        "core",
        "strength",
        3,
        None,
        20,
        "Rest on your forearms and toes, or on your knees to make it easier, with your body in a "
        "straight line from head to heels. Brace your stomach and hold, breathing steadily. You "
        "should feel your stomach and shoulders working. Do not let your hips sag or pike up, and "
        "stop if your lower back aches.",
    ),
    (
        "Side plank",
        "core",
        "strength",
        3,
        None,
        15,
        "Lie on your side propped on your forearm, elbow under the shoulder, knees bent or legs "
        "straight. Lift your hips until your body is in a straight line and hold. You should feel "
        "the side of your trunk and hip working. Do not let your hips drop or roll forward.",
    ),
    (
        "Pelvic tilt",
        "lumbar",
        "mobility",
        2,
        10,
        3,
        "Lie on your back with knees bent and feet flat. Tighten your stomach and tilt your pelvis "
        "so your lower back flattens gently into the floor, hold, then relax back to neutral. You "
        "should feel a gentle movement in the lower back. Do not push with your legs or hold your "
        "breath.",
    ),
    (
        "Cat-camel",
        "lumbar",
        "mobility",
        2,
        10,
        None,
        "Start on your hands and knees. Slowly round your back up toward the ceiling, tucking your "
        "chin, then let your back sag gently while you lift your head. You should feel your spine "
        "moving a little at every level. Move slowly and stay within a comfortable range.",
    ),
    (
        "Prone press-up",
        "lumbar",
        "mobility",
        2,
        10,
        2,
        "Lie on your stomach with your hands under your shoulders. Press your upper body up while "
        "your hips stay on the floor and your back stays relaxed, hold briefly, then lower. You "
        "should feel a gentle stretch or pressure in the lower back. Stop and tell your therapist if "
        "pain spreads further down your leg.",
    ),
)


def library_rows() -> list[dict[str, Any]]:
    """The library as exercise rows (id, name, instructions, region, category, default dose)."""
    return [
        {
            "id": library_id(name),
            "name": name,
            "instructions": instructions,
            "body_region": region,
            "category": category,
            "media_url": None,
            "default_sets": sets,
            "default_reps": reps,
            "default_hold_seconds": hold,
            "archived": False,
            "author_id": None,
        }
        for name, region, category, sets, reps, hold, instructions in LIBRARY
    ]


def seed_library() -> int:
    """Add the library exercises that are missing; returns how many were added."""
    rows = library_rows()
    present = set(db.session.scalars(select(Exercise.id).where(Exercise.id.in_([r["id"] for r in rows]))))
    now = utcnow()
    missing = [Exercise(**row, created_at=now, updated_at=now) for row in rows if row["id"] not in present]
    db.session.add_all(missing)
    db.session.flush()
    return len(missing)
