"""The floor: `GET /patients/{id}/today` as plain psycopg behind a plain Flask view.

The same statements the real endpoint needs, and nothing else: the bearer credential by token hash
(its `last_used_at` written at most once a minute, as the app does), the patient looked up through
the caller's scope, the assignments running that local day with their exercises and that day's
tallies of their logs (one statement, as the real endpoint sends it), the audit row, and the commit.
No ORM, no schema library, no policy object: one psycopg connection per server thread, its
statements prepared by psycopg after their first uses, rows turned into the answer by hand. It is
served by the same gunicorn, in the same app (so it pays the app's own before/after-request hooks,
as every API route does), but registered only here: `gunicorn 'bench.floor:create_app_with_floor()'`.
It is not one of the product's routes.

What the real endpoint costs beyond this is the framework's and the ORM's work: the distance
between the two is what a leaner read path could win; the distance between this and /healthz is
the database's and the wire's share, which no Python change removes.
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from apiflask import APIFlask
from flask import Blueprint, Response, current_app, g, request

from telehealth import create_app
from telehealth.programs.models import Timeline, Version

PATH = "/api/v1/bench/floor/patients/<uuid:patient_id>/today"
TOUCH_INTERVAL = timedelta(seconds=60)  # as telehealth.accounts.service

bp = Blueprint("bench_floor", __name__)
_local = threading.local()

CREDENTIAL = """
SELECT t.id, t.expires_at, t.revoked_at, t.last_used_at, u.id, u.role, u.is_active_account
FROM api_tokens t JOIN users u ON u.id = t.user_id
WHERE t.token_hash = %s
"""
TOUCH = "UPDATE api_tokens SET last_used_at = %s WHERE id = %s"
SCOPES = {
    "patient": "SELECT p.id, p.timezone FROM patients p WHERE p.user_id = %(user)s AND p.id = %(patient)s",
    "therapist": """
        SELECT p.id, p.timezone FROM patients p
        WHERE p.id = %(patient)s AND EXISTS (
            SELECT 1 FROM care_team_members c JOIN therapists t ON t.id = c.therapist_id
            WHERE c.patient_id = p.id AND t.user_id = %(user)s)
    """,
    "admin": "SELECT p.id, p.timezone FROM patients p WHERE p.id = %(patient)s",
}
ASSIGNMENTS = """
SELECT a.id, a.patient_id, a.exercise_id, a.template_id, a.status, a.ended_at, a.ended_on,
       a.effective_from, a.start_date, a.end_date, a.sets, a.reps, a.hold_seconds, a.side,
       a.times_per_day, a.days_of_week, a.notes, a.history, a.created_at, a.updated_at,
       e.id, e.name, e.instructions, e.body_region, e.category, e.media_url, e.default_sets,
       e.default_reps, e.default_hold_seconds, e.archived, e.author_id, e.created_at, e.updated_at,
       d.left_logs, d.right_logs, d.unsided_logs
FROM assignments a JOIN exercises e ON e.id = a.exercise_id
LEFT OUTER JOIN assignment_days d ON d.assignment_id = a.id AND d.day = %(day)s
WHERE a.patient_id = %(patient)s
  AND ((a.start_date <= %(day)s AND (a.end_date IS NULL OR a.end_date >= %(day)s))
       OR a.effective_from > %(day)s)
  AND (a.ended_on IS NULL OR a.ended_on > %(day)s)
ORDER BY a.created_at, a.id
"""
AUDIT = """
INSERT INTO audit_events (id, at, actor_id, actor_role, action, outcome, status_code,
                          resource_type, resource_id, patient_id, ip, request_id)
VALUES (%s, %s, %s, %s, 'program.today', %s, %s, 'patient', %s, %s, %s, %s)
"""


def _connection() -> psycopg.Connection[Any]:
    conn: psycopg.Connection[Any] | None = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        url = current_app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://")
        conn = _local.conn = psycopg.connect(url)
    return conn


def _problem(status: int, title: str) -> Response:
    body = json.dumps({"type": "about:blank", "title": title, "status": status})
    return Response(body, status=status, mimetype="application/problem+json")


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _prescription(v: Version) -> dict[str, Any]:
    return {
        "sets": v.sets,
        "reps": v.reps,
        "hold_seconds": v.hold_seconds,
        "side": v.side,
        "times_per_day": v.times_per_day,
        "days_of_week": list(v.days_of_week),
        "notes": v.notes,
        "start_date": _iso(v.start_date),
        "end_date": _iso(v.end_date),
        "effective_from": _iso(v.effective_from),
    }


def _done(side: str, left: int, right: int, unsided: int, cap: int) -> int:
    counted = unsided + min(left, right) if side == "both" else left + right + unsided
    return min(counted, cap)


def _items(rows: list[tuple[Any, ...]], day: date) -> list[dict[str, Any]]:
    items = []
    for r in rows:
        aid, pid, eid, tid, status, ended_at, ended_on, effective_from = r[:8]
        start, end, sets, reps, hold, side, per_day, weekdays, notes, history, created, updated = r[8:20]
        current = {
            "sets": sets,
            "reps": reps,
            "hold_seconds": hold,
            "side": side,
            "times_per_day": per_day,
            "days_of_week": weekdays,
            "notes": notes,
            "start_date": start,
            "end_date": end,
        }
        earlier = [Version.of(date.fromisoformat(h["effective_from"]), h["prescription"]) for h in history]
        version = Timeline((*earlier, Version.of(effective_from, current)), ended_on).scheduled(day)
        if version is None:
            continue
        left, right, unsided = (count or 0 for count in r[33:36])
        done = _done(version.side, left, right, unsided, version.times_per_day)
        exercise = dict(
            zip(
                (
                    "id",
                    "name",
                    "instructions",
                    "body_region",
                    "category",
                    "media_url",
                    "default_sets",
                    "default_reps",
                    "default_hold_seconds",
                    "archived",
                    "author_id",
                    "created_at",
                    "updated_at",
                ),
                r[20:33],
                strict=True,
            )
        )
        summary = {k: exercise[k] for k in ("id", "name", "body_region", "category", "media_url", "archived")}
        assignment = {
            **current,
            "id": aid,
            "patient_id": pid,
            "exercise_id": eid,
            "exercise": summary,
            "template_id": tid,
            "status": status,
            "ended_at": ended_at,
            "effective_from": effective_from,
            "history": history,
            "created_at": created,
            "updated_at": updated,
        }
        prescription = _prescription(version)
        items.append(
            {
                "assignment": assignment,
                "exercise": exercise,
                "prescription": prescription,
                "planned": version.times_per_day,
                "done": done,
                "complete": done >= version.times_per_day,
            }
        )
    return items


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(type(value).__name__)


@bp.get(PATH)
def today(patient_id: uuid.UUID) -> Response:
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return _problem(401, "Unauthorized")
    conn = _connection()
    try:
        with conn.cursor() as cur:
            now = datetime.now(UTC)
            cur.execute(CREDENTIAL, (hashlib.sha256(raw.strip().encode()).hexdigest(),))
            token = cur.fetchone()
            if token is None:
                conn.rollback()
                return _problem(401, "Unauthorized")
            token_id, expires_at, revoked_at, last_used_at, user_id, role, active = token
            if revoked_at is not None or expires_at <= now or not active or role not in SCOPES:
                conn.rollback()
                return _problem(401, "Unauthorized")
            if last_used_at is None or now - last_used_at > TOUCH_INTERVAL:
                cur.execute(TOUCH, (now, token_id))
            cur.execute(SCOPES[role], {"user": user_id, "patient": patient_id})
            found = cur.fetchone()
            status = 200 if found else 404
            body: bytes
            if found:
                zone = ZoneInfo(found[1])
                day = datetime.now(zone).date()
                cur.execute(ASSIGNMENTS, {"patient": patient_id, "day": day})
                assignments = cur.fetchall()
                items = _items(assignments, day)
                planned = sum(i["planned"] for i in items)
                done = sum(i["done"] for i in items)
                answer = {"date": day, "items": items, "completion": done / planned if planned else None}
                body = json.dumps(answer, default=_default).encode()
            cur.execute(
                AUDIT,
                (
                    uuid.uuid4(),
                    now,
                    user_id,
                    role,
                    "success" if found else "denied",
                    status,
                    str(patient_id),
                    patient_id if found else None,
                    request.remote_addr,
                    g.get("request_id"),
                ),
            )
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    if not found:
        return _problem(404, "Not Found")
    return Response(body, mimetype="application/json")


def create_app_with_floor() -> APIFlask:
    """The app as wsgi.py builds it, plus the floor: what the bench's gunicorn serves."""
    app = create_app()
    app.register_blueprint(bp)
    return app
