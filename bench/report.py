"""The table `make bench` prints, the goals it checks, and the generated part of bench/README.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bench.api import ApiFigures, EndpointFigures
from bench.delivery import DeliveryFigures
from bench.growth import FLAT as GROWTH_FLAT
from bench.growth import TABLES as GROWTH_TABLES
from bench.growth import GrowthStep, Read
from bench.scale import EXPECTED_INDEXES, Plan, ScaleStep
from bench.services import Machine

BEGIN, END = "<!-- bench:begin (written by `make bench`) -->", "<!-- bench:end -->"
API_GOALS = {"today": 0.35, "progress_log": 0.30, "dashboard": 0.10}  # fraction of the ceiling
FLOOR_GOALS = {"today": 0.7}  # fraction of the floor (bench/floor.py)
P99_GOAL_MS = {"today": 100.0, "progress_log": 100.0}
FIND_GOAL_MS = 100.0  # "well under a second" for the due-row queries at 100,000 patients
FLAT_BUFFERS = 1.5  # the index lookup at 1,000,000 patients: at most this many times the buffers of 100,000
FLAT_TIME = 2.0  # and the whole due-row query at most this many times as long
DELIVERY_GOAL = 0.5
LABELS = {
    "ceiling": "ceiling: GET /healthz",
    "floor": "floor: today's statements in plain psycopg (bench only)",
    "today": "GET /patients/{id}/today",
    "progress_log": "POST /patients/{id}/progress-logs",
    "dashboard": "GET /dashboard/caseload (200)",
}


@dataclass(frozen=True)
class Goal:
    name: str
    met: bool
    reason: str


@dataclass
class Report:
    machine: Machine
    started: str
    minutes: float = 0.0
    api: ApiFigures | None = None
    scale: list[ScaleStep] = field(default_factory=list)
    delivery: DeliveryFigures | None = None
    growth: list[GrowthStep] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    # --- goals ----------------------------------------------------------------------------

    def goals(self) -> list[Goal]:
        found: list[Goal] = []
        if self.api is not None:
            found += self._api_goals(self.api)
        if self.scale:
            found += self._scale_goals(self.scale)
        if self.delivery is not None:
            found += self._delivery_goals(self.delivery)
        if self.growth:
            found += self._growth_goals(self.growth)
        return found

    def _growth_goals(self, steps: list[GrowthStep]) -> list[Goal]:
        found = []
        scanned = [
            f"{step.rows:,}: {read_label(read)} reads {', '.join(read.seq_scans)} whole"
            for step in steps
            for read in step.reads
            if set(read.seq_scans) & set(GROWTH_TABLES)
        ]
        found.append(
            Goal(
                "a patient's audit trail, 30 days of logs and today read audit_events and progress_logs "
                "through indexes only",
                not scanned,
                "; ".join(scanned)
                or "no sequential scan of either table at "
                + " or ".join(f"{step.rows:,} rows" for step in steps),
            )
        )
        if len(steps) < 2:
            return found
        first, last = steps[0], steps[-1]
        for a, b in zip(first.reads, last.reads, strict=True):
            ratio = b.buffers / a.buffers if a.buffers else float("inf")
            found.append(
                Goal(
                    f"{read_label(a)}: flat from {first.rows:,} to {last.rows:,} rows "
                    f"(buffers <= {GROWTH_FLAT}x)",
                    ratio <= GROWTH_FLAT,
                    f"{a.buffers} -> {b.buffers} buffers ({ratio:.2f}x), "
                    f"{a.execution_ms:.2f} -> {b.execution_ms:.2f} ms",
                )
            )
        for table in GROWTH_TABLES:
            a, b = first.writes[table], last.writes[table]
            ratio = b.buffers_per_row / a.buffers_per_row if a.buffers_per_row else float("inf")
            found.append(
                Goal(
                    f"writing a row of {table}: flat from {first.rows:,} to {last.rows:,} rows "
                    f"(buffers per row <= {GROWTH_FLAT}x)",
                    ratio <= GROWTH_FLAT,
                    f"{a.buffers_per_row:.1f} -> {b.buffers_per_row:.1f} buffers per row ({ratio:.2f}x), "
                    f"{a.us_per_row:.0f} -> {b.us_per_row:.0f} µs per row",
                )
            )
        return found

    def _api_goals(self, api: ApiFigures) -> list[Goal]:
        found = []
        for name, target in API_GOALS.items():
            figures = api.endpoints.get(name)
            if figures is None:
                found.append(Goal(f"{LABELS[name]} >= {target} of the ceiling", False, "not available"))
                continue
            fraction = figures.fraction
            spread = f"rounds {min(figures.fractions):.3f}-{max(figures.fractions):.3f}"
            found.append(
                Goal(
                    f"{LABELS[name]} >= {target} of the ceiling",
                    fraction >= target,
                    f"{fraction:.3f} ({spread})",
                )
            )
            if name in FLOOR_GOALS and figures.of_floor:
                floor_target = FLOOR_GOALS[name]
                found.append(
                    Goal(
                        f"{LABELS[name]} >= {floor_target} of the floor",
                        figures.floor_fraction >= floor_target,
                        f"{figures.floor_fraction:.3f} "
                        f"(rounds {min(figures.of_floor):.3f}-{max(figures.of_floor):.3f})",
                    )
                )
            if name in P99_GOAL_MS:
                found.append(
                    Goal(
                        f"{LABELS[name]} p99 < {P99_GOAL_MS[name]:.0f} ms",
                        figures.p99_ms < P99_GOAL_MS[name],
                        f"{figures.p99_ms:.1f} ms (median of rounds; worst {figures.worst_p99_ms:.1f} ms)",
                    )
                )
        every = [api.ceiling, *api.endpoints.values()]
        errors = {f.name: f.errors for f in every}
        found.append(
            Goal(
                "zero errors under load",
                not any(errors.values()),
                ", ".join(f"{name} {count}" for name, count in errors.items()),
            )
        )
        writes = api.endpoints.get("progress_log")
        if writes is not None:
            created = writes.statuses().get("201", 0)
            found.append(
                Goal(
                    "every log posted under load stored once (201, never 200/409)",
                    created == writes.requests and api.logs_stored >= created,
                    f"{created} answered 201 of {writes.requests}; {api.logs_stored} stored "
                    f"(requests still in flight when wrk stops are stored but not counted)",
                )
            )
        for count in api.queries:
            found.append(
                Goal(
                    f"{LABELS[count.endpoint]}: same query count at both sizes",
                    count.equal,
                    f"{count.small} ({count.small_label}) vs {count.large} ({count.large_label})",
                )
            )
        return found

    def _scale_goals(self, steps: list[ScaleStep]) -> list[Goal]:
        found = []
        first, last = steps[0], steps[-1]
        for table, index in EXPECTED_INDEXES.items():
            used = all(step.plans[table].uses_expected_index for step in steps)
            found.append(
                Goal(
                    f"due rows of {table} found through {index}",
                    used,
                    "; ".join(
                        f"{s.patients:,}: {', '.join(s.plans[table].indexes) or 'no index'}"
                        + (
                            f", seq scan of {', '.join(s.plans[table].seq_scans)}"
                            if s.plans[table].seq_scans
                            else ""
                        )
                        for s in steps
                    ),
                )
            )
            a, b = first.plans[table], last.plans[table]
            if len(steps) > 1:
                buffers = b.index_buffers / a.index_buffers if a.index_buffers else float("inf")
                slower = b.execution_ms / a.execution_ms if a.execution_ms else float("inf")
                found.append(
                    Goal(
                        f"{table} due-row query flat from {first.patients:,} to {last.patients:,} patients",
                        buffers <= FLAT_BUFFERS and slower <= FLAT_TIME,
                        f"index lookup {a.index_buffers} -> {b.index_buffers} buffers ({buffers:.2f}x), "
                        f"whole query {a.buffers} -> {b.buffers} buffers, "
                        f"{a.execution_ms:.2f} -> {b.execution_ms:.2f} ms ({slower:.2f}x)",
                    )
                )
        finding = sum(plan.execution_ms for plan in first.plans.values())
        found.append(
            Goal(
                f"finding the due rows among {first.patients:,} patients well under a second",
                finding < FIND_GOAL_MS,
                f"{finding:.1f} ms for both due-row queries (goal < {FIND_GOAL_MS:.0f} ms); "
                f"a whole scan {first.scan_ms:.0f} ms",
            )
        )
        return found

    def _delivery_goals(self, delivery: DeliveryFigures) -> list[Goal]:
        sent = delivery.statuses.get("sent", 0)
        return [
            Goal(
                f"email delivery >= {DELIVERY_GOAL} of a plain smtplib loop",
                delivery.fraction >= DELIVERY_GOAL,
                f"{delivery.fraction:.2f} ({delivery.pipeline_rate:.0f} vs {delivery.loop_rate:.0f} msg/s)",
            ),
            Goal(
                f"every one of {delivery.messages:,} reminders delivered exactly once",
                delivery.sink_count == delivery.messages and sent == delivery.messages,
                f"sink counted {delivery.sink_count}, rows {delivery.statuses}",
            ),
        ]

    # --- the table ------------------------------------------------------------------------

    def table(self) -> str:
        rows: list[tuple[str, str, str]] = []  # (part, measure, figure)
        if self.api is not None:
            rows += self._api_rows(self.api)
        for step in self.scale:
            for table, plan in step.plans.items():
                rows.append(
                    (
                        "3 reminders",
                        f"{step.patients:,} patients: due-row query on {table}",
                        f"{plan.execution_ms:.2f} ms, {plan.rows} rows, buffers {plan.index_buffers} in "
                        f"the index lookup / {plan.buffers} in all; reads {_reads(plan)}",
                    )
                )
            rows.append(
                (
                    "3 reminders",
                    f"{step.patients:,} patients: whole scan (plan {step.planned}, claim {step.claimed})",
                    f"{step.scan_ms:.0f} ms",
                )
            )
        if len(self.scale) > 1:
            first, last = self.scale[0], self.scale[-1]
            for table in EXPECTED_INDEXES:
                a, b = first.plans[table], last.plans[table]
                rows.append(
                    (
                        "3 reminders",
                        f"{table}: {last.patients:,} / {first.patients:,} patients",
                        f"time {b.execution_ms / a.execution_ms:.2f}x, index-lookup buffers "
                        f"{b.index_buffers / a.index_buffers:.2f}x",
                    )
                )
            rows.append(
                ("3 reminders", "whole scan: 1,000,000 / 100,000", f"{last.scan_ms / first.scan_ms:.2f}x")
            )
        if self.delivery is not None:
            d = self.delivery
            rows += [
                (
                    "3 delivery",
                    "plain smtplib loop, one connection",
                    f"{d.loop_rate:.0f} msg/s (runs {', '.join(f'{r:.0f}' for r in d.loop_rates)})",
                ),
                (
                    "3 delivery",
                    f"scan + Celery ({d.scans} scans) + deliver(), {d.messages:,} emails",
                    f"{d.pipeline_rate:.0f} msg/s = {d.fraction:.2f} of the loop",
                ),
                ("4 memory", "Celery pool process RSS", _mib(d.celery_rss_kib)),
            ]
        if self.api is not None:
            rows.append(("4 memory", "gunicorn worker RSS after the load", _mib(self.api.gunicorn_rss_kib)))
        for step in self.growth:
            sizes = ", ".join(f"{table} {mib:,.0f} MiB" for table, mib in step.sizes_mib.items())
            rows.append(
                (
                    "5 growth",
                    f"{step.rows:,} rows of each table ({step.patients:,} patients)",
                    f"made in {step.fill_seconds:.0f} s; with indexes {sizes}",
                )
            )
            for read in step.reads:
                rows.append(
                    (
                        "5 growth",
                        f"{step.rows:,} rows: {read_label(read)}",
                        f"{read.buffers} buffers, {read.rows} rows, {read.execution_ms:.2f} ms; "
                        f"reads {', '.join(read.indexes) or 'no index'}"
                        + (f", seq scan of {', '.join(read.seq_scans)}" if read.seq_scans else ""),
                    )
                )
            for write in step.writes.values():
                rows.append(
                    (
                        "5 growth",
                        f"{step.rows:,} rows: writing a row of {write.table}",
                        f"{write.buffers_per_row:.1f} buffers, {write.us_per_row:.0f} µs (no WAL: UNLOGGED)",
                    )
                )
        lines = ["| part | measure | figure |", "| --- | --- | --- |"]
        lines += [f"| {part} | {measure} | {figure} |" for part, measure, figure in rows]
        return "\n".join(lines)

    def _api_rows(self, api: ApiFigures) -> list[tuple[str, str, str]]:
        rows = []
        ordered: list[EndpointFigures] = [api.ceiling, *api.endpoints.values()]
        for figures in ordered:
            share = "1.00 (ceiling)" if figures.name == "ceiling" else f"{figures.fraction:.3f}"
            if figures.of_floor and figures.name != "floor":
                share += f", of floor {figures.floor_fraction:.3f}"
            rows.append(
                (
                    "1 load",
                    LABELS[figures.name],
                    f"{figures.rate:.0f} req/s, p50 {figures.p50_ms:.1f} ms, p99 {figures.p99_ms:.1f} ms, "
                    f"errors {figures.errors}, of ceiling {share}",
                )
            )
        if not api.dashboard_available:
            rows.append(("1 load", LABELS["dashboard"], "not available (route missing), skipped"))
        for count in api.queries:
            rows.append(
                (
                    "2 queries",
                    LABELS[count.endpoint],
                    f"{count.small} ({count.small_label}) / {count.large} ({count.large_label})",
                )
            )
        return rows

    def goal_lines(self) -> str:
        return "\n".join(
            f"- {'met' if goal.met else 'MISSED'}: {goal.name} — {goal.reason}" for goal in self.goals()
        )

    def text(self) -> str:
        parts = [
            f"Run {self.started}, {self.minutes:.1f} minutes, on {self.machine.describe()}.",
            "",
            self.table(),
            "",
            "Goals:",
            self.goal_lines(),
        ]
        if self.notes:
            parts += ["", "Notes:", *[f"- {note}" for note in self.notes]]
        for growth_step in self.growth:
            parts += ["", f"EXPLAIN of a patient's reads at {growth_step.rows:,} rows of each table:"]
            for read in growth_step.reads:
                parts += ["", f"{read_label(read)}:", "", "```", read.plan, "```"]
        for step in self.scale:
            parts += ["", f"EXPLAIN of the scan's due-row queries at {step.patients:,} patients:"]
            for plan in step.plans.values():
                parts += ["", "```", plan.text, "```"]
        return "\n".join(parts)

    def write_readme(self, path: Path) -> None:
        block = "\n".join([BEGIN, self.text(), END])
        current = path.read_text() if path.exists() else ""
        if BEGIN in current and END in current:
            head, rest = current.split(BEGIN, 1)
            tail = rest.split(END, 1)[1]
            path.write_text(head + block + tail)
        else:
            path.write_text("# Benchmarks\n\n## Latest run\n\n" + block + "\n")


def read_label(read: Read) -> str:
    """Which request a statement serves and what it reads: "GET /audit-events?patient_id=: count"."""
    lowered = read.statement.lower()
    if "count(" in lowered:
        kind = "count"
    else:
        table = lowered.split(" from ", 1)[1].split()[0]
        kind = f"rows of {table}"
    return f"{read.request}: {kind}"


def _reads(plan: Plan) -> str:
    reads = [*plan.indexes, *(f"seq scan of {name}" for name in plan.seq_scans)]
    return ", ".join(reads) or "nothing"


def _plans_read(steps: list[ScaleStep], table: str) -> str:
    described = []
    for step in steps:
        plan = step.plans[table]
        text = f"{step.patients:,}: {', '.join(plan.indexes) or 'no index'}"
        if plan.seq_scans:
            text += f", seq scan of {', '.join(plan.seq_scans)}"
        described.append(text)
    return "; ".join(described)


def _mib(values: list[int]) -> str:
    if not values:
        return "-"
    return ", ".join(f"{kib / 1024:.0f} MiB" for kib in values)
