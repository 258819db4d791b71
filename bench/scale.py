"""Part 3a: finding due reminders among 100,000 and 1,000,000 patients.

Rows are made in bulk with generate_series (no ORM): users, patients, reminder settings, one sent
notification per patient (yesterday's history), a pending visit reminder next week for every
tenth patient, and a program for the first EMAIL_PATIENTS patients. The due work is the same at
both sizes: DUE_PATIENTS daily checks due now, and EMAIL_PATIENTS email reminders due now (the
scan claims REMINDER_SCAN_LIMIT of them; part 3b delivers them all). Only the number of rows
around them grows.

What is measured at each size, on the real code:
- the scan's due-row queries (captured from `dispatch.scan()` as it sends them), run under
  EXPLAIN (ANALYZE, BUFFERS): the index each reads, the buffers it touches (a count that does not
  depend on the clock) and PostgreSQL's own execution time;
- one whole `dispatch.scan()` (plan the due daily checks, recover stuck rows, claim due rows), in
  a transaction rolled back afterwards so every repeat sees the same rows.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from apiflask import APIFlask
from sqlalchemy import event, text

from telehealth.common.time import utcnow
from telehealth.extensions import db
from telehealth.programs.library import library_rows
from telehealth.reminders import dispatch

DUE_PATIENTS = 1_000
EMAIL_PATIENTS = 10_000
ZONES = ("America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London", "Asia/Tokyo")
REPEATS = 5
SCAN_REPEATS = 3
EXPECTED_INDEXES = {
    "reminder_settings": "ix_reminder_settings_next_daily_at",
    "notifications": "ix_notifications_status_next_attempt",
}

# One statement per table; :lo and :hi bound the patient numbers, :now is the run's clock.
ZONE_PARAMETERS = {"zones": list(ZONES), "zone_count": len(ZONES)}
GENERATE = [
    """
    INSERT INTO users (id, email, password_hash, role, first_name, last_name, is_active_account,
                       created_at, updated_at)
    SELECT md5('bench-user-' || i)::uuid, 'scale-patient-' || i || '@bench-patients.org', NULL,
           'patient', 'Pat', 'Scale' || i, true, :now, :now
    FROM generate_series(CAST(:lo AS integer), CAST(:hi AS integer)) AS i
    """,
    """
    INSERT INTO patients (id, user_id, date_of_birth, timezone, phone, conditions, status,
                          rom_asymmetry_threshold_degrees, created_at, updated_at)
    SELECT md5('bench-patient-' || i)::uuid, md5('bench-user-' || i)::uuid,
           date '1950-01-01' + (i % 18000), zone, NULL, '["low_back_pain"]', 'active', 10.0,
           :now, :now
    FROM generate_series(CAST(:lo AS integer), CAST(:hi AS integer)) AS i,
         LATERAL (SELECT (CAST(:zones AS text[]))[1 + i % :zone_count] AS zone) AS z
    """,
    # Daily checks: the first DUE_PATIENTS are due this minute, the rest spread over the next day.
    # The reminder time is the local wall-clock time of next_daily_at, as the planner keeps it.
    """
    INSERT INTO reminder_settings (patient_id, enabled, exercise_reminder_time, channels,
                                   quiet_hours_start, quiet_hours_end,
                                   session_reminder_offsets_minutes, inactivity_days, next_daily_at,
                                   created_at, updated_at)
    SELECT md5('bench-patient-' || i)::uuid, true, (moment AT TIME ZONE zone)::time,
           '["email"]', NULL, NULL, '[1440, 60]', 3, moment, :now, :now
    FROM generate_series(CAST(:lo AS integer), CAST(:hi AS integer)) AS i,
         LATERAL (SELECT (CAST(:zones AS text[]))[1 + i % :zone_count] AS zone) AS z,
         LATERAL (SELECT date_trunc('minute', CASE WHEN i <= :due
                      THEN CAST(:now AS timestamptz) - interval '1 minute'
                      ELSE CAST(:now AS timestamptz)
                           + ((i::bigint * 7919) % 86000 + 120) * interval '1 second' END)
                  AS moment) AS m
    """,
    # History: yesterday's reminder (the patient's local yesterday), sent.
    """
    INSERT INTO notifications (id, patient_id, kind, channel, occurrence, visit_id, scheduled_for,
                               next_attempt_at, status, status_changed_at, attempts, error,
                               provider_message_id, sent_at, created_at, updated_at)
    SELECT md5('bench-sent-' || i)::uuid, md5('bench-patient-' || i)::uuid, 'exercise_reminder',
           'email', to_char((CAST(:now AS timestamptz) - interval '1 day') AT TIME ZONE zone, 'YYYY-MM-DD'),
           NULL,
           CAST(:now AS timestamptz) - interval '1 day', CAST(:now AS timestamptz) - interval '1 day',
           'sent', CAST(:now AS timestamptz) - interval '1 day', 1, NULL,
           '<' || i || '@bench>', CAST(:now AS timestamptz) - interval '1 day', :now, :now
    FROM generate_series(CAST(:lo AS integer), CAST(:hi AS integer)) AS i,
         LATERAL (SELECT (CAST(:zones AS text[]))[1 + i % :zone_count] AS zone) AS z
    """,
    # Pending, not due: a visit reminder next week for every tenth patient.
    """
    INSERT INTO notifications (id, patient_id, kind, channel, occurrence, visit_id, scheduled_for,
                               next_attempt_at, status, status_changed_at, attempts, created_at,
                               updated_at)
    SELECT md5('bench-visit-' || i)::uuid, md5('bench-patient-' || i)::uuid, 'session_reminder',
           'email', 'bench-visit-' || i || '-1440', NULL,
           CAST(:now AS timestamptz) + interval '7 days' + i * interval '1 second',
           CAST(:now AS timestamptz) + interval '7 days' + i * interval '1 second',
           'pending', :now, 0, :now, :now
    FROM generate_series(CAST(:lo AS integer), CAST(:hi AS integer)) AS i
    WHERE i % 10 = 0
    """,
]
# Only in the first step: a one-exercise program and an email reminder due now (at most ten
# minutes old) for each of the first EMAIL_PATIENTS patients.
GENERATE_DUE = [
    """
    INSERT INTO assignments (id, patient_id, exercise_id, template_id, sets, reps, hold_seconds,
                             side, times_per_day, days_of_week, start_date, end_date, effective_from,
                             notes, status, created_by, ended_at, ended_on, ended_by, history,
                             created_at, updated_at)
    SELECT md5('bench-assignment-' || i)::uuid, md5('bench-patient-' || i)::uuid, :exercise, NULL,
           3, 10, NULL, 'none', 1, '["mon","tue","wed","thu","fri","sat","sun"]',
           CAST(:now AS date) - 14, NULL, CAST(:now AS date) - 14, NULL, 'active',
           md5('bench-user-' || i)::uuid,
           NULL, NULL, NULL, '[]', :now, :now
    FROM generate_series(1, CAST(:emails AS integer)) AS i
    """,
    """
    INSERT INTO notifications (id, patient_id, kind, channel, occurrence, visit_id, scheduled_for,
                               next_attempt_at, status, status_changed_at, attempts, created_at,
                               updated_at)
    SELECT md5('bench-due-' || i)::uuid, md5('bench-patient-' || i)::uuid, 'exercise_reminder',
           'email', to_char(CAST(:now AS timestamptz) AT TIME ZONE zone, 'YYYY-MM-DD'), NULL,
           due, due, 'pending', :now, 0, :now, :now
    FROM generate_series(1, CAST(:emails AS integer)) AS i,
         LATERAL (SELECT (CAST(:zones AS text[]))[1 + i % :zone_count] AS zone) AS z,
         LATERAL (SELECT CAST(:now AS timestamptz) - (i % 600) * interval '1 second' AS due) AS d
    """,
]


@dataclass(frozen=True)
class Plan:
    """One due-row query under EXPLAIN (ANALYZE, BUFFERS)."""

    table: str
    indexes: list[str]  # every index the plan reads
    seq_scans: list[str]  # tables read whole
    buffers: int  # shared buffers hit + read, whole query
    index_buffers: int  # of the plan node that reads the due rows through the expected index
    rows: int
    execution_ms: float  # median of REPEATS
    text: str  # the plan, for bench/out

    @property
    def uses_expected_index(self) -> bool:
        return EXPECTED_INDEXES[self.table] in self.indexes and self.table not in self.seq_scans


@dataclass
class ScaleStep:
    patients: int
    generate_seconds: float
    plans: dict[str, Plan] = field(default_factory=dict)  # by table
    scan_ms: float = 0.0  # a whole dispatch.scan(), median of SCAN_REPEATS
    planned: int = 0
    claimed: int = 0


def generate(app: APIFlask, lo: int, hi: int, now: datetime, first: bool) -> float:
    started = time.monotonic()
    with app.app_context():
        connection = db.session.connection()
        connection.execute(text("SET LOCAL synchronous_commit = off"))
        params: dict[str, Any] = {"lo": lo, "hi": hi, "now": now, "due": DUE_PATIENTS, **ZONE_PARAMETERS}
        for statement in GENERATE:
            connection.execute(text(statement), params)
        if first:
            exercise = library_rows()[0]["id"]
            due = {"now": now, "emails": EMAIL_PATIENTS, "exercise": exercise, **ZONE_PARAMETERS}
            for statement in GENERATE_DUE:
                connection.execute(text(statement), due)
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as auto:
            auto.execute(text("VACUUM ANALYZE"))
        db.session.remove()
    return time.monotonic() - started


def _due_statements(app: APIFlask, now: datetime) -> dict[str, tuple[str, Any]]:
    """The SQL the real scan sends to find due rows, with its parameters, by table."""
    found: dict[str, tuple[str, Any]] = {}

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        flat = " ".join(statement.split())
        if flat.startswith("SELECT") and "next_daily_at <=" in flat and "reminder_settings" in flat:
            found.setdefault("reminder_settings", (statement, parameters))
        if flat.startswith("SELECT") and "notifications.next_attempt_at <=" in flat:
            found.setdefault("notifications", (statement, parameters))

    with app.app_context():
        engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            dispatch.scan(now)
        finally:
            event.remove(engine, "before_cursor_execute", record)
            db.session.rollback()
            db.session.remove()
    missing = set(EXPECTED_INDEXES) - set(found)
    if missing:
        raise RuntimeError(f"the scan sent no due-row query on {sorted(missing)}")
    return found


def _walk(node: dict[str, Any], found: list[dict[str, Any]]) -> None:
    found.append(node)
    for child in node.get("Plans", []):
        _walk(child, found)


def _buffers(node: dict[str, Any]) -> int:
    return int(node.get("Shared Hit Blocks", 0)) + int(node.get("Shared Read Blocks", 0))


def explain(app: APIFlask, table: str, statement: str, parameters: Any) -> Plan:
    timings: list[float] = []
    document: dict[str, Any] = {}
    with app.app_context():
        for _ in range(REPEATS):
            raw = db.session.connection().exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, parameters
            )
            value = raw.scalar_one()
            document = (json.loads(value) if isinstance(value, str) else value)[0]
            timings.append(float(document["Execution Time"]))
            db.session.rollback()  # FOR UPDATE took locks; the next repeat starts clean
        readable = db.session.connection().exec_driver_sql("EXPLAIN " + statement, parameters)
        plan_text = "\n".join(row[0] for row in readable)
        db.session.rollback()
        db.session.remove()
    top = document["Plan"]
    nodes: list[dict[str, Any]] = []
    _walk(top, nodes)
    # The node that reads the due table (an index scan, or a bitmap heap scan over the index):
    # its buffers include the index pages and the due rows it fetched, nothing of the join.
    finding = [node for node in nodes if node.get("Relation Name") == table]
    return Plan(
        table=table,
        indexes=[node["Index Name"] for node in nodes if "Index Name" in node],
        seq_scans=[node.get("Relation Name", "?") for node in nodes if node.get("Node Type") == "Seq Scan"],
        buffers=_buffers(top),
        index_buffers=sum(_buffers(node) for node in finding),
        rows=int(top.get("Actual Rows", 0)),
        execution_ms=statistics.median(timings),
        text=plan_text,
    )


def time_scan(app: APIFlask, now: datetime) -> tuple[float, int, int]:
    """A whole scan, rolled back each time: (median ms, patients planned, rows claimed)."""
    timings: list[float] = []
    planned = claimed = 0
    with app.app_context():
        for _ in range(SCAN_REPEATS):
            started = time.perf_counter()
            result = dispatch.scan(now)
            timings.append((time.perf_counter() - started) * 1000)
            planned, claimed = result.planned_patients, len(result.claimed)
            db.session.rollback()
        db.session.remove()
    return statistics.median(timings), planned, claimed


def measure(app: APIFlask, patients: int, generate_seconds: float) -> ScaleStep:
    now = utcnow()
    step = ScaleStep(patients=patients, generate_seconds=generate_seconds)
    for table, (statement, parameters) in _due_statements(app, now).items():
        step.plans[table] = explain(app, table, statement, parameters)
    step.scan_ms, step.planned, step.claimed = time_scan(app, now)
    return step


def run(app: APIFlask, sizes: list[int], say: Callable[[str], None]) -> list[ScaleStep]:
    steps: list[ScaleStep] = []
    made = 0
    now = utcnow()
    for size in sizes:
        seconds = generate(app, made + 1, size, now, first=made == 0)
        made = size
        step = measure(app, size, seconds)
        steps.append(step)
        plans = ", ".join(
            f"{p.table}: {'/'.join(p.indexes) or 'no index'} {p.buffers} buffers {p.execution_ms:.2f} ms"
            for p in step.plans.values()
        )
        say(
            f"{size:,} patients (made in {seconds:.0f}s): {plans}; whole scan {step.scan_ms:.0f} ms "
            f"(planned {step.planned}, claimed {step.claimed})"
        )
    return steps


def park_daily_checks(app: APIFlask) -> None:
    """Before delivery: the due daily checks move to tomorrow, so the delivery's scans only hand
    off the EMAIL_PATIENTS email reminders."""
    with app.app_context():
        db.session.execute(
            text(
                "UPDATE reminder_settings SET next_daily_at = next_daily_at + interval '1 day' "
                "WHERE next_daily_at <= :now"
            ),
            {"now": utcnow()},
        )
        db.session.commit()
        db.session.remove()
