"""Part 5: the reads that serve one patient, at 1,000,000 and 10,000,000 rows of audit_events and
of progress_logs.

Each size is made from scratch with generate_series (no ORM) in the bench database: ROWS_PER_PATIENT
rows of each table per patient, so the served patient has the same rows at both sizes and only the
rows around them grow (1,000 patients, then 10,000). Rows go in in time order across all patients,
as a clinic writes them, so one patient's rows are scattered over the table's pages as they would be
after years of use; each table gets ROWS_PER_PATIENT rows over YEARS years.

Fill tricks that do not change a plan: the two tables are UNLOGGED while the bench fills them (no
WAL), their indexes are dropped before the fill and built again after with their own definitions
(pg_get_indexdef), their foreign keys are added back NOT VALID (enforced for every new row, not
re-checked for the generated ones), and both are VACUUM ANALYZEd (as autovacuum would have) before
anything is read.

What is measured at each size, on the real code:
- the statements the services send for the served patient (captured as they send them): the audit
  trail as `GET /audit-events?patient_id=` reads it (`audit.service.list_events`: a count and the
  first page), the logs of 30 days as `GET /patients/{id}/progress-logs?from=&to=` reads them
  (`progress.service.list_logs`), and the day's plan of `GET /patients/{id}/today`
  (`progress.adherence.day_plan`: assignments and that day's logs); each under
  EXPLAIN (ANALYZE, BUFFERS): the indexes it reads, any sequential scan, its shared buffers (hit +
  read: a count that does not depend on the clock) and its execution time;
- the cost of writing: INSERT_ROWS new rows of each table, as the app writes them (one row per
  request, through an INSERT of the same columns), under EXPLAIN (ANALYZE, BUFFERS) and rolled
  back: buffers and time per row. UNLOGGED means the time leaves out WAL, which costs the same per
  row at any size.
"""

from __future__ import annotations

import hashlib
import json
import statistics
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from apiflask import APIFlask
from sqlalchemy import event, text

from telehealth.audit import service as audit
from telehealth.common.time import today_in, utcnow
from telehealth.extensions import db
from telehealth.patients.models import Patient
from telehealth.programs.library import library_rows
from telehealth.progress import adherence
from telehealth.progress import service as progress

ROWS_PER_PATIENT = 1_000  # of each table: about one a day for three years
YEARS = 3
TABLES = ("audit_events", "progress_logs")
# The day tallies GET /today and adherence read instead of raw logs: filled from progress_logs after
# it, as the app's writes would have left them (one row per assignment and local day with logs).
TALLIES = "assignment_days"
FILLED = (*TABLES, TALLIES)
PAGE = 50  # the API's default page size
REPEATS = 5
INSERT_ROWS = 2_000
FLAT = 1.2  # buffers at the larger size: at most this many times those at the smaller
SERVED = 0  # the served patient's number
ZONE = "America/Chicago"

PATIENTS = """
INSERT INTO users (id, email, password_hash, role, first_name, last_name, is_active_account,
                   created_at, updated_at)
SELECT md5('growth-user-' || k)::uuid, 'growth-' || k || '@bench-patients.org', NULL, 'patient',
       'Pat', 'Growth' || k, true, :now, :now
FROM generate_series(0, CAST(:n AS integer) - 1) AS k;

INSERT INTO patients (id, user_id, date_of_birth, timezone, phone, conditions, status,
                      rom_asymmetry_threshold_degrees, created_at, updated_at)
SELECT md5('growth-patient-' || k)::uuid, md5('growth-user-' || k)::uuid, date '1960-01-01' + k % 9000,
       :zone, NULL, '["low_back_pain"]', 'active', 10.0, :now, :now
FROM generate_series(0, CAST(:n AS integer) - 1) AS k;

INSERT INTO assignments (id, patient_id, exercise_id, template_id, sets, reps, hold_seconds, side,
                         times_per_day, days_of_week, start_date, end_date, effective_from, notes,
                         status, created_by, ended_at, ended_on, ended_by, history, created_at,
                         updated_at)
SELECT md5('growth-assignment-' || k)::uuid, md5('growth-patient-' || k)::uuid, :exercise, NULL,
       3, 10, NULL, 'none', 2, '["mon","tue","wed","thu","fri","sat","sun"]',
       CAST(:now AS date) - 1200, NULL, CAST(:now AS date) - 1200, NULL, 'active',
       md5('growth-user-' || k)::uuid, NULL, NULL, NULL, '[]', :now, :now
FROM generate_series(0, CAST(:n AS integer) - 1) AS k;

CREATE TABLE growth_ids AS
SELECT k, md5('growth-patient-' || k)::uuid AS patient, md5('growth-assignment-' || k)::uuid AS assignment,
       md5('growth-user-' || k)::uuid AS "user"
FROM generate_series(0, CAST(:n AS integer) - 1) AS k;

ANALYZE growth_ids;
"""

# Row i belongs to patient i % n and is written at `since + i * step`: time order across patients.
FILL = {
    "audit_events": """
        INSERT INTO audit_events (id, at, actor_id, actor_role, action, outcome, status_code,
                                  resource_type, resource_id, patient_id, ip, request_id)
        SELECT gen_random_uuid(), CAST(:since AS timestamptz) + i * CAST(:step AS interval),
               g."user", 'patient', 'program.today', 'success', 200, 'patient',
               CAST(g.patient AS text), g.patient, '127.0.0.1', md5(CAST(i AS text))
        FROM generate_series(0, CAST(:rows AS bigint) - 1) AS i JOIN growth_ids AS g ON g.k = i % :n
    """,
    "progress_logs": """
        INSERT INTO progress_logs (id, patient_id, assignment_id, performed_at, sets_completed,
                                   reps_completed, hold_seconds, side, pain_score, difficulty, notes,
                                   recorded_by, created_at)
        SELECT gen_random_uuid(), g.patient, g.assignment,
               CAST(:since AS timestamptz) + i * CAST(:step AS interval), 3, 10, NULL, NULL,
               (i % 7)::int, NULL, NULL, g."user", CAST(:since AS timestamptz) + i * CAST(:step AS interval)
        FROM generate_series(0, CAST(:rows AS bigint) - 1) AS i JOIN growth_ids AS g ON g.k = i % :n
    """,
    TALLIES: """
        INSERT INTO assignment_days (assignment_id, day, patient_id, left_logs, right_logs, unsided_logs)
        SELECT assignment_id, CAST(performed_at AT TIME ZONE :zone AS date), patient_id,
               count(*) FILTER (WHERE side = 'left'), count(*) FILTER (WHERE side = 'right'),
               count(*) FILTER (WHERE side IS NULL)
        FROM progress_logs GROUP BY 1, 2, 3
    """,
}
# What one request writes: a row for a patient picked among all, at now.
WRITE = {
    "audit_events": """
        INSERT INTO audit_events (id, at, actor_id, actor_role, action, outcome, status_code,
                                  resource_type, resource_id, patient_id, ip, request_id)
        SELECT gen_random_uuid(), now(), g."user", 'patient', 'program.today', 'success', 200,
               'patient', CAST(g.patient AS text), g.patient, '127.0.0.1', md5(CAST(i AS text))
        FROM generate_series(1, :rows) AS i JOIN growth_ids AS g ON g.k = (i * 7919) % :n
    """,
    "progress_logs": """
        INSERT INTO progress_logs (id, patient_id, assignment_id, performed_at, sets_completed,
                                   reps_completed, hold_seconds, side, pain_score, difficulty, notes,
                                   recorded_by, created_at)
        SELECT gen_random_uuid(), g.patient, g.assignment, now(), 3, 10, NULL, NULL, 2, NULL, NULL,
               g."user", now()
        FROM generate_series(1, :rows) AS i JOIN growth_ids AS g ON g.k = (i * 7919) % :n
    """,
}


@dataclass(frozen=True)
class Read:
    """One statement a service sent for the served patient, under EXPLAIN (ANALYZE, BUFFERS)."""

    request: str  # which API read it serves
    statement: str  # the SQL, flattened, for the report
    indexes: list[str]
    seq_scans: list[str]
    buffers: int
    rows: int
    execution_ms: float
    plan: str


@dataclass(frozen=True)
class Write:
    table: str
    buffers_per_row: float
    us_per_row: float


@dataclass
class GrowthStep:
    rows: int  # of each table
    patients: int
    fill_seconds: float
    reads: list[Read] = field(default_factory=list)
    writes: dict[str, Write] = field(default_factory=dict)
    sizes_mib: dict[str, float] = field(default_factory=dict)  # table + indexes, per table


def _walk(node: dict[str, Any], found: list[dict[str, Any]]) -> None:
    found.append(node)
    for child in node.get("Plans", []):
        _walk(child, found)


def _buffers(node: dict[str, Any]) -> int:
    return int(node.get("Shared Hit Blocks", 0)) + int(node.get("Shared Read Blocks", 0))


def _execute_script(script: str, params: dict[str, Any]) -> None:
    connection = db.session.connection()
    for statement in (s for s in script.split(";\n") if s.strip()):
        connection.execute(text(statement), params)


def _index_definitions(table: str) -> list[tuple[str, str]]:
    rows = db.session.execute(
        text(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "WHERE t.relname = :table AND NOT x.indisprimary"
        ),
        {"table": table},
    )
    return [(name, definition) for name, definition in rows]


def _constraints(table: str, kind: str) -> list[tuple[str, str]]:
    rows = db.session.execute(
        text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = CAST(:table AS regclass) AND contype = :kind"
        ),
        {"table": table, "kind": kind},
    )
    return [(name, definition) for name, definition in rows]


def prepare(app: APIFlask, patients: int, now: datetime) -> dict[str, Any]:
    """The patients, their assignments and the tables' shape for filling; returns what is kept."""
    with app.app_context():
        exercise = library_rows()[0]["id"]
        db.session.connection().execute(text("SET LOCAL synchronous_commit = off"))
        _execute_script(PATIENTS, {"n": patients, "now": now, "zone": ZONE, "exercise": exercise})
        kept: dict[str, Any] = {}
        for table in FILLED:
            kept[table] = {
                "indexes": _index_definitions(table),
                "primary_key": _constraints(table, "p"),
                "foreign_keys": _constraints(table, "f"),
            }
            db.session.execute(text(f"ALTER TABLE {table} SET UNLOGGED"))
        db.session.commit()
        db.session.remove()
    return kept


def _fill_table(engine: Any, table: str, params: dict[str, Any], kept: dict[str, Any]) -> None:
    """One table from scratch on its own connection (the two tables fill side by side)."""
    with engine.connect() as connection:
        connection.execute(text("SET LOCAL synchronous_commit = off"))
        connection.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        for name, _ in kept["foreign_keys"]:
            connection.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT IF EXISTS "{name}"'))
        connection.execute(text(f"TRUNCATE {table}"))
        for name, _ in kept["indexes"]:
            connection.execute(text(f'DROP INDEX "{name}"'))
        for name, _ in kept["primary_key"]:
            connection.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
        connection.execute(text(FILL[table]), params)
        for name, definition in kept["primary_key"]:
            connection.execute(text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))
        for _, definition in kept["indexes"]:
            connection.execute(text(definition))
        connection.commit()


def fill(app: APIFlask, rows: int, patients: int, kept: dict[str, Any], now: datetime) -> float:
    started = time.monotonic()
    since = now - timedelta(days=365 * YEARS)
    step = timedelta(days=365 * YEARS) / rows
    params = {"rows": rows, "n": patients, "since": since, "step": step, "zone": ZONE}
    with app.app_context():
        engine = db.engine
    with ThreadPoolExecutor(max_workers=len(TABLES)) as pool:
        for done in [pool.submit(_fill_table, engine, table, params, kept[table]) for table in TABLES]:
            done.result()
    _fill_table(engine, TALLIES, params, kept[TALLIES])
    # After all commits: a VACUUM while another table's fill is still open could not mark its
    # pages all-visible, and index-only counts would then read the heap.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as auto:
        for table in FILLED:
            auto.execute(text(f"VACUUM (ANALYZE) {table}"))
    return time.monotonic() - started


def restore(app: APIFlask, kept: dict[str, Any]) -> None:
    """Foreign keys back, NOT VALID: enforced for every new row (the write measure pays them)."""
    with app.app_context():
        for table in FILLED:
            for name, definition in kept[table]["foreign_keys"]:
                # A second size finds them present.
                db.session.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT IF EXISTS "{name}"'))
                db.session.execute(
                    text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition} NOT VALID')
                )
        db.session.commit()
        db.session.remove()


def served_patient() -> uuid.UUID:
    return uuid.UUID(hex=hashlib.md5(f"growth-patient-{SERVED}".encode()).hexdigest())  # noqa: S324


def _captured(app: APIFlask, now: datetime) -> list[tuple[str, str, Any]]:
    """(request, SQL, parameters) of every statement the three reads send, in order."""
    found: list[tuple[str, str, Any]] = []
    current = {"request": ""}

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        found.append((current["request"], statement, parameters))

    served = served_patient()
    with app.app_context():
        patient = db.session.get(Patient, served)
        if patient is None:
            raise RuntimeError("the served patient is missing")
        engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            current["request"] = "GET /audit-events?patient_id="
            audit.list_events(patient_id=served, actor_id=None, start=None, end=None, page=1, per_page=PAGE)
            current["request"] = "GET /patients/{id}/progress-logs, 30 days"
            progress.list_logs(
                patient, start=now - timedelta(days=30), end=now, assignment_id=None, page=1, per_page=PAGE
            )
            current["request"] = "GET /patients/{id}/today"
            adherence.day_plan(patient, today_in(patient.timezone))
        finally:
            event.remove(engine, "before_cursor_execute", record)
            db.session.rollback()
            db.session.remove()
    return found


def explain(app: APIFlask, request: str, statement: str, parameters: Any) -> Read:
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
            db.session.rollback()
        readable = db.session.connection().exec_driver_sql("EXPLAIN " + statement, parameters)
        plan_text = "\n".join(row[0] for row in readable)
        db.session.rollback()
        db.session.remove()
    nodes: list[dict[str, Any]] = []
    _walk(document["Plan"], nodes)
    return Read(
        request=request,
        statement=" ".join(statement.split()),
        indexes=list(dict.fromkeys(node["Index Name"] for node in nodes if "Index Name" in node)),
        seq_scans=[node.get("Relation Name", "?") for node in nodes if node.get("Node Type") == "Seq Scan"],
        buffers=_buffers(document["Plan"]),
        rows=int(document["Plan"].get("Actual Rows", 0)),
        execution_ms=statistics.median(timings),
        plan=plan_text,
    )


def write_cost(app: APIFlask, table: str, patients: int) -> Write:
    buffers: list[float] = []
    timings: list[float] = []
    with app.app_context():
        for _ in range(REPEATS):
            raw = db.session.connection().execute(
                text("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + WRITE[table]),
                {"rows": INSERT_ROWS, "n": patients},
            )
            value = raw.scalar_one()
            document = (json.loads(value) if isinstance(value, str) else value)[0]
            db.session.rollback()
            # The INSERT node's buffers: the new heap rows and every index entry (with the foreign
            # key checks' reads, which land in triggers: counted by the time, not the buffers).
            buffers.append(_buffers(document["Plan"]) / INSERT_ROWS)
            timings.append(float(document["Execution Time"]) * 1000 / INSERT_ROWS)
        db.session.remove()
    return Write(table, statistics.median(buffers), statistics.median(timings))


def _sizes(app: APIFlask) -> dict[str, float]:
    with app.app_context():
        found = {
            table: float(
                db.session.scalar(text("SELECT pg_total_relation_size(CAST(:t AS regclass))"), {"t": table})
                or 0
            )
            / 2**20
            for table in TABLES
        }
        db.session.remove()
    return found


def run(app: APIFlask, sizes: list[int], say: Callable[[str], None]) -> list[GrowthStep]:
    now = utcnow().astimezone(UTC)
    most = max(sizes) // ROWS_PER_PATIENT
    kept = prepare(app, most, now)
    say(f"growth: {most:,} patients made; filling audit_events and progress_logs")
    steps: list[GrowthStep] = []
    for size in sizes:
        patients = size // ROWS_PER_PATIENT
        seconds = fill(app, size, patients, kept, now)
        restore(app, kept)
        step = GrowthStep(rows=size, patients=patients, fill_seconds=seconds)
        for request, statement, parameters in _captured(app, now):
            step.reads.append(explain(app, request, statement, parameters))
        for table in TABLES:
            step.writes[table] = write_cost(app, table, patients)
        step.sizes_mib = _sizes(app)
        steps.append(step)
        reads = ", ".join(f"{r.buffers} buffers {r.execution_ms:.2f} ms" for r in step.reads)
        writes = ", ".join(f"{w.table} {w.buffers_per_row:.1f} buffers/row" for w in step.writes.values())
        say(f"growth: {size:,} rows of each (made in {seconds:.0f}s): reads {reads}; writes {writes}")
    return steps
