// Progress: adherence over 30 days, pain over time, hip rotation in words, and questionnaire results.

import * as api from "../../shared/api.js";
import { adherenceBars, painByDay, painLine } from "../../shared/charts.js";
import { addDays, formatDay, instantAt, localDate } from "../../shared/dates.js";
import { h, uid } from "../../shared/dom.js";
import { number, percent, t } from "../../shared/i18n.js";
import { fresh, session, staleNote, zone } from "../session.js";
import { alertBox, notice, page } from "../../shared/ui.js";

const DAYS = 30;
export const INSTRUMENTS = ["nprs", "psfs", "odi"];

function section(id, title, ...children) {
  return h("section", { class: "card", "aria-labelledby": id }, h("h2", { id }, title), ...children);
}

function failed(result) {
  const error = result.reason;
  return error instanceof api.OfflineError ? notice(t("offline.nothingSaved"), "warn") : alertBox(error);
}

function adherenceSection(result) {
  if (result.status === "rejected") return section("adherence-title", t("progress.adherence"), failed(result));
  const data = result.value.value;
  const text = data.rate === null ? t("progress.adherenceNone") : t("progress.adherenceSummary", { percent: percent(data.rate), days: DAYS });
  return section("adherence-title", t("progress.adherence"), staleNote(result.value), h("p", { class: "big" }, text),
    adherenceBars(data.days, text), h("p", { class: "hint" }, t("progress.adherenceHint")));
}

function painSection(result, from) {
  if (result.status === "rejected") return section("pain-title", t("progress.pain"), failed(result));
  const points = painByDay(result.value.value, zone(), from, DAYS);
  if (!points.length) return section("pain-title", t("progress.pain"), staleNote(result.value), h("p", {}, t("progress.painNone")));
  const mean = (list) => list.reduce((a, [, v]) => a + v, 0) / list.length;
  const first = points.filter(([i]) => i < 7);
  const last = points.filter(([i]) => i >= DAYS - 7);
  const text = first.length && last.length
    ? t("progress.painSummary", { then: number(mean(first), 1), now: number(mean(last), 1) })
    : t("progress.painLatest", { now: number(points[points.length - 1][1], 1) });
  return section("pain-title", t("progress.pain"), staleNote(result.value), h("p", { class: "big" }, text),
    painLine(points, DAYS, text), h("p", { class: "hint" }, t("pain.scale")));
}

function sideWords(side, name) {
  if (!side || side.total_rotation === null || side.total_rotation === undefined) return t("rom.sideMissing", { side: name });
  return t("rom.side", {
    side: name,
    total: number(side.total_rotation),
    inward: number(side.internal_rotation),
    outward: number(side.external_rotation),
  });
}

function meter(label, value) {
  const id = uid("meter");
  return h("div", { class: "meter" },
    h("span", { id }, label),
    h("meter", { min: 0, max: 120, value: value || 0, "aria-labelledby": id }),
    h("span", { class: "deg" }, value === null || value === undefined ? "–" : `${number(value)}°`));
}

function romSection(result) {
  if (result.status === "rejected") return section("rom-title", t("progress.rom"), failed(result));
  const rom = result.value.value;
  const left = rom.left?.total_rotation;
  const right = rom.right?.total_rotation;
  if ((left === null || left === undefined) && (right === null || right === undefined)) {
    return section("rom-title", t("progress.rom"), staleNote(result.value), h("p", {}, t("rom.none")));
  }
  const words = [h("p", {}, sideWords(rom.left, t("rom.left"))), h("p", {}, sideWords(rom.right, t("rom.right")))];
  const gap = rom.asymmetry_degrees;
  if (gap !== null && gap !== undefined) {
    const smaller = left < right ? t("rom.leftHip") : t("rom.rightHip");
    const larger = left < right ? t("rom.rightHip") : t("rom.leftHip");
    const key = gap === 0 ? "rom.same" : gap >= rom.threshold_degrees ? "rom.gapWatched" : "rom.gapSmall";
    words.push(h("p", { class: "big" }, t(key, { gap: number(gap), smaller, larger, threshold: number(rom.threshold_degrees) })));
  }
  return section("rom-title", t("progress.rom"), staleNote(result.value),
    meter(t("rom.left"), left), meter(t("rom.right"), right), ...words,
    h("p", { class: "hint" }, t("rom.typical")),
    rom.measured_at ? h("p", { class: "hint" }, t("rom.measuredOn", { date: formatDay(localDate(zone(), new Date(rom.measured_at))) })) : null);
}

export function direction(outcome) {
  if (outcome.direction) return outcome.direction;
  if (outcome.change_from_baseline === null || outcome.change_from_baseline === undefined) return null;
  if (outcome.change_from_baseline === 0) return "unchanged";
  if (outcome.improved === true) return "improved";
  if (outcome.improved === false) return "worsened";
  return null;
}

export function scoreText(outcome) {
  const score = number(outcome.score, 1);
  return outcome.instrument === "odi" ? t("outcome.scorePercent", { score }) : t("outcome.scoreOutOf10", { score });
}

function outcomeItem(instrument, results) {
  const latest = results[results.length - 1];
  const link = h("a", { href: `/app/progress/${instrument}`, class: "button secondary" }, t(`outcome.fill.${instrument}`));
  if (!latest) return h("li", {}, h("h3", {}, t(`outcome.name.${instrument}`)), h("p", {}, t("outcome.none")), link);
  const lines = [h("p", { class: "big" }, scoreText(latest), latest.interpretation ? ` · ${t(`band.${latest.interpretation}`)}` : "")];
  const way = direction(latest);
  if (way) {
    const size = number(Math.abs(latest.change_from_baseline), 1);
    lines.push(h("p", {}, t(`outcome.change.${way}`, { size }), latest.meaningful_change ? ` ${t("outcome.meaningful")}` : ""));
  }
  lines.push(h("p", { class: "hint" }, t("outcome.when", { date: formatDay(localDate(zone(), new Date(latest.completed_at))), count: results.length })));
  return h("li", {}, h("h3", {}, t(`outcome.name.${instrument}`)), ...lines, link);
}

function outcomesSection(result) {
  if (result.status === "rejected") return section("outcomes-title", t("progress.outcomes"), failed(result));
  const all = result.value.value;
  return section("outcomes-title", t("progress.outcomes"), staleNote(result.value),
    h("ul", { class: "outcomes" }, INSTRUMENTS.map((name) => outcomeItem(name, all.filter((o) => o.instrument === name)))));
}

export async function progress(view) {
  const patientId = session.user.patient_id;
  const todayDate = localDate(zone());
  const from = addDays(todayDate, -(DAYS - 1));
  const [adherence, logs, rom, outcomes] = await Promise.allSettled([
    fresh(`adherence30:${todayDate}`, () => api.get(`/patients/${patientId}/adherence`, { from, to: todayDate })),
    fresh(`pain30:${todayDate}`, () => api.everyPage(`/patients/${patientId}/progress-logs`, { from: instantAt(zone(), from, 0).toISOString() })),
    fresh("rom", () => api.get(`/patients/${patientId}/rom-summary`)),
    fresh("outcomes", () => api.everyPage(`/patients/${patientId}/outcomes`, {})),
  ]);
  page(view, t("progress.title"), adherenceSection(adherence), painSection(logs, from), romSection(rom), outcomesSection(outcomes));
}
