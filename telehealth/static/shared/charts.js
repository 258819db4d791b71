// Small SVG charts. Each is an image with a name saying what it shows; the page says it in words too.

import { addDays, localDate } from "./dates.js";
import { s } from "./dom.js";

const W = 320;
const H = 120;
const PAD = { left: 24, right: 6, top: 8, bottom: 18 };

function frame(label, children) {
  return s("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": label, class: "chart", preserveAspectRatio: "none" }, children);
}

function grid(max, steps) {
  const lines = [];
  for (const value of steps) {
    const y = PAD.top + (1 - value / max) * (H - PAD.top - PAD.bottom);
    lines.push(s("line", { x1: PAD.left, x2: W - PAD.right, y1: y, y2: y, class: "grid" }));
    lines.push(s("text", { x: PAD.left - 4, y: y + 3, class: "axis", "text-anchor": "end" }, String(value)));
  }
  return lines;
}

/** Bars per day, 0..1 (null: nothing planned that day). */
export function adherenceBars(days, label) {
  const width = (W - PAD.left - PAD.right) / Math.max(days.length, 1);
  const height = H - PAD.top - PAD.bottom;
  const bars = days.map((day, i) => {
    const x = PAD.left + i * width + 1;
    if (day.rate === null || day.rate === undefined) {
      return s("rect", { x, y: H - PAD.bottom - 2, width: width - 2, height: 2, class: "bar none" });
    }
    const h = Math.max(2, day.rate * height);
    return s("rect", { x, y: H - PAD.bottom - h, width: width - 2, height: h, class: day.rate >= 1 ? "bar full" : "bar" });
  });
  return frame(label, [...grid(100, [0, 50, 100]).map((el) => el), ...bars]);
}

/** A line of values 0..10 over `count` days; points are [dayIndex, value]. */
export function painLine(points, count, label) {
  const width = W - PAD.left - PAD.right;
  const height = H - PAD.top - PAD.bottom;
  const x = (i) => PAD.left + (count > 1 ? (i / (count - 1)) * width : width / 2);
  const y = (v) => PAD.top + (1 - v / 10) * height;
  const path = points.map(([i, v], n) => `${n ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
  return frame(label, [
    ...grid(10, [0, 5, 10]),
    s("path", { d: path, class: "line" }),
    ...points.map(([i, v]) => s("circle", { cx: x(i), cy: y(v), r: 3, class: "dot" })),
  ]);
}

/** [dayIndex, mean pain] for each of `count` local days (in `zone`) from `from` that has a log. */
export function painByDay(logs, zone, from, count) {
  const byDay = new Map();
  for (const log of logs) {
    const day = localDate(zone, new Date(log.performed_at));
    if (!byDay.has(day)) byDay.set(day, []);
    byDay.get(day).push(log.pain_score);
  }
  const points = [];
  for (let i = 0; i < count; i += 1) {
    const scores = byDay.get(addDays(from, i));
    if (scores) points.push([i, scores.reduce((a, b) => a + b, 0) / scores.length]);
  }
  return points;
}
