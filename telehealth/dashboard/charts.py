"""The progress report's charts, drawn with matplotlib into PNG bytes.

Each chart is its own `Figure` on an Agg canvas: no pyplot, so no global figure state is shared
between requests or threads. Functions take plain dates and numbers; report.py decides what to plot.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, DateFormatter
from matplotlib.figure import Figure

WIDTH_INCHES = 7.5
DPI = 150
MAX_WEEK_LABELS = 14
# Colour-blind-safe pairs (Okabe-Ito): left blue, right vermilion; goal green, warning orange.
LEFT, RIGHT = "#0072B2", "#D55E00"
GOOD, WARN, NEUTRAL = "#009E73", "#E69F00", "#555555"

DatedValue = tuple[date, float]


@dataclass(frozen=True)
class Chart:
    png: bytes
    aspect: float  # height / width, to place it at any width


def _figure(height: float, columns: int = 1, rows: int = 1) -> tuple[Figure, list[Axes]]:
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI, layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False)
    return figure, [ax for row in axes for ax in row]


def _chart(figure: Figure) -> Chart:
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    width, height = figure.get_size_inches()
    return Chart(png=buffer.getvalue(), aspect=float(height / width))


def _date_axis(ax: Axes, start: date, end: date) -> None:
    ax.xaxis.set_major_locator(AutoDateLocator(minticks=3, maxticks=8))
    ax.xaxis.set_major_formatter(DateFormatter("%b %d"))
    # Half a day of room each side, so the first and last points are not cut in half.
    ax.set_xlim(start - timedelta(hours=12), end + timedelta(hours=12))  # type: ignore[arg-type]


def _style(ax: Axes, title: str, ylabel: str) -> None:
    ax.set_title(title, fontsize=10, loc="left")
    ax.set_ylabel(ylabel, fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(axis="y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)


def adherence_by_week(weeks: Sequence[tuple[date, int, int]], low_below: float) -> Chart:
    """Bars of done / planned per week (week start, planned, done); weeks with nothing planned
    are marked rather than drawn as zero."""
    figure, [ax] = _figure(2.6)
    labels = [start.strftime("%b %d") for start, _, _ in weeks]
    positions = range(len(weeks))
    for x, (_, planned, done) in zip(positions, weeks, strict=True):
        if not planned:
            ax.text(x, 3, "nothing\nplanned", ha="center", va="bottom", fontsize=6, color=NEUTRAL)
            continue
        rate = 100 * done / planned
        ax.bar(x, rate, width=0.7, color=GOOD if rate >= 100 * low_below else WARN)
        if len(weeks) <= 2 * MAX_WEEK_LABELS:  # beyond that the counts print over each other
            ax.text(x, rate + 2, f"{done}/{planned}", ha="center", va="bottom", fontsize=6)
    ax.axhline(100 * low_below, color=NEUTRAL, linestyle="--", linewidth=0.8)
    ax.text(-0.55, 100 * low_below + 1, "low adherence below", ha="left", va="bottom", fontsize=6)
    step = -(-len(weeks) // MAX_WEEK_LABELS)  # a year's weeks would print over each other
    ax.set_xticks(list(positions)[::step], labels[::step])
    ax.set_ylim(0, 115)
    ax.set_xlim(-0.6, len(weeks) - 0.4)
    _style(ax, "Exercise sessions done / planned, by week starting", "% done")
    return _chart(figure)


def pain_over_time(logged: Sequence[DatedValue], nprs: Sequence[DatedValue], start: date, end: date) -> Chart:
    """Daily mean of the pain scores logged with exercises, and NPRS questionnaire results."""
    figure, [ax] = _figure(2.6)
    if logged:
        days, values = zip(*logged, strict=True)
        ax.plot(
            days,
            values,
            marker="o",
            markersize=3,
            linewidth=1.2,
            color=LEFT,
            label="logged with exercise (daily mean)",
        )
    if nprs:
        days, values = zip(*nprs, strict=True)
        ax.plot(days, values, marker="s", markersize=5, linewidth=0, color=RIGHT, label="NPRS questionnaire")
    ax.set_ylim(-0.3, 10.3)
    ax.set_yticks(range(0, 11, 2))
    _date_axis(ax, start, end)
    ax.legend(fontsize=7, loc="upper right", frameon=False)
    _style(ax, "Pain (0 = none, 10 = worst imaginable)", "score")
    return _chart(figure)


def outcome_scores(odi: Sequence[DatedValue], psfs: Sequence[DatedValue], start: date, end: date) -> Chart:
    """ODI (disability, lower is better) beside PSFS (function, higher is better)."""
    figure, [left, right] = _figure(2.4, columns=2)
    for ax, series, title, top in (
        (left, odi, "ODI, % disability (lower is better)", 100),
        (right, psfs, "PSFS, mean ability (higher is better)", 10),
    ):
        if series:
            days, values = zip(*series, strict=True)
            ax.plot(days, values, marker="o", markersize=4, linewidth=1.2, color=LEFT)
            ax.axhline(values[0], color=NEUTRAL, linestyle=":", linewidth=0.8)
        else:
            ax.text(0.5, 0.5, "no results", transform=ax.transAxes, ha="center", fontsize=8, color=NEUTRAL)
        ax.set_ylim(0, top)
        _date_axis(ax, start, end)
        _style(ax, title, "score")
    return _chart(figure)


def hip_rotation(
    readings: Mapping[str, Sequence[DatedValue]],
    asymmetry: Sequence[DatedValue],
    threshold: float,
    start: date,
    end: date,
) -> Chart:
    """Internal and external rotation per side (keys like "left internal"), and the side-to-side
    difference in total rotation against its flag threshold."""
    figure, [top, bottom] = _figure(4.4, rows=2)
    for name, series in readings.items():
        if not series:
            continue
        days, values = zip(*series, strict=True)
        side, movement = name.split(" ", 1)
        top.plot(
            days,
            values,
            marker="o" if movement == "internal" else "^",
            markersize=4,
            linewidth=1.2,
            linestyle="-" if movement == "internal" else "--",
            color=LEFT if side == "left" else RIGHT,
            label=f"{side} {movement} rotation",
        )
    top.set_ylim(0, 90)
    _date_axis(top, start, end)
    top.legend(fontsize=7, loc="best", ncols=2, frameon=False)
    _style(top, "Hip rotation by side", "degrees")
    if asymmetry:
        days, values = zip(*asymmetry, strict=True)
        bottom.plot(days, values, color=NEUTRAL, linewidth=1)
        bottom.scatter(days, values, s=24, zorder=3, c=[WARN if v >= threshold else GOOD for v in values])
        for day, value in asymmetry:
            bottom.annotate(
                f"{value:g}°", (day, value), textcoords="offset points", xytext=(0, 5), fontsize=6
            )
    bottom.axhline(threshold, color=NEUTRAL, linestyle="--", linewidth=0.8)
    bottom.text(end, threshold, f" flag at {threshold:g}°", ha="right", va="bottom", fontsize=6)  # type: ignore[arg-type]
    bottom.set_ylim(0, max([threshold * 1.5, *(value * 1.15 for _, value in asymmetry)]))
    _date_axis(bottom, start, end)
    _style(bottom, "Asymmetry: |left total - right total| rotation", "degrees")
    return _chart(figure)
