// Hip rotation (entry per side with totals and the asymmetry flag shown as the readings are typed,
// and the latest summary) and outcome history with direction and meaningful-change markers.

import * as api from "../../shared/api.js";
import { announce, h } from "../../shared/dom.js";
import { number, t } from "../../shared/i18n.js";
import { busy, field, formError, notice, page, showErrors } from "../../shared/ui.js";
import { degrees, fullName, loadPatient, options, patientHeader, section, table, when } from "../common.js";

const SIDES = ["left", "right"];
const KINDS = { internal: "hip_internal_rotation", external: "hip_external_rotation" };
const POSITIONS = ["seated", "prone", "supine"];
const INSTRUMENTS = ["goniometer", "inclinometer", "visual"];
const OUTCOMES = ["odi", "nprs", "psfs"];

export async function patientMeasures(view, { params, refresh }) {
  const patient = await loadPatient(params.id);
  const [summary, outcomes] = await Promise.all([
    api.get(`/patients/${patient.id}/rom-summary`),
    api.everyPage(`/patients/${patient.id}/outcomes`),
  ]);
  page(view, t("measures.title", { name: fullName(patient) }), ...patientHeader(patient, "/measures"),
    h("div", { class: "columns" }, romEntry(patient, summary, refresh), romSummary(summary)),
    outcomeHistory(outcomes));
}

function total(a, b) {
  return a === null || b === null ? null : a + b;
}

function romEntry(patient, summary, refresh) {
  const threshold = summary.threshold_degrees;
  const inputs = {};
  const totals = {};
  const rows = SIDES.map((side) => {
    inputs[side] = {};
    const cells = Object.keys(KINDS).map((kind) => {
      const input = h("input", { type: "number", name: `${side}_${kind}`, id: `rom-${side}-${kind}`, min: 0, max: 90, step: 1, inputmode: "numeric" });
      inputs[side][kind] = input;
      return field(t(`rom.${kind}`), input);
    });
    totals[side] = h("output", { id: `rom-total-${side}`, for: `rom-${side}-internal rom-${side}-external`, class: "total" }, "–");
    return h("fieldset", { class: "rom-side" }, h("legend", {}, t(`rom.side.${side}`)),
      h("div", { class: "row" }, cells, h("div", { class: "field" }, h("span", { class: "label" }, t("rom.total")), totals[side])));
  });
  const asymmetry = h("p", { class: "asymmetry", role: "status", "aria-live": "polite" });
  const read = (input) => (input.value === "" ? null : Number(input.value));
  const update = () => {
    const sums = {};
    for (const side of SIDES) {
      sums[side] = total(read(inputs[side].internal), read(inputs[side].external));
      totals[side].textContent = degrees(sums[side]);
    }
    if (sums.left === null || sums.right === null) {
      asymmetry.className = "asymmetry";
      asymmetry.textContent = t("rom.asymmetryWaiting");
      return;
    }
    const gap = Math.abs(sums.left - sums.right);
    const flagged = gap >= threshold;
    asymmetry.className = `asymmetry ${flagged ? "flagged" : "ok"}`;
    asymmetry.textContent = t(flagged ? "rom.asymmetryFlagged" : "rom.asymmetryOk", { gap: number(gap), threshold: number(threshold) });
  };
  const position = h("select", { name: "position" }, options(POSITIONS, "position.", "seated"));
  const instrument = h("select", { name: "instrument" }, options(INSTRUMENTS, "instrument.", "goniometer"));
  const submit = h("button", { type: "submit", class: "primary" }, t("rom.save"));
  const form = h("form", { class: "stack", novalidate: true }, rows,
    h("div", { class: "row" }, field(t("rom.position"), position), field(t("rom.instrument"), instrument)),
    asymmetry, formError(), submit);
  form.addEventListener("input", update);
  update();
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      const measuredAt = new Date().toISOString();
      const readings = [];
      for (const side of SIDES) {
        for (const [kind, type] of Object.entries(KINDS)) {
          const value = read(inputs[side][kind]);
          if (value !== null) readings.push({ type, side, degrees: value, measured_at: measuredAt, source: "clinician", position: position.value, instrument: instrument.value, mode: "active", input: inputs[side][kind] });
        }
      }
      if (!readings.length) {
        showErrors(form, null);
        form.querySelector(".form-error").append(notice(t("rom.nothingTyped"), "warn"));
        return;
      }
      try {
        for (const { input, ...reading } of readings) {
          try {
            await api.post(`/patients/${patient.id}/measurements`, reading);
          } catch (error) {
            // Name the reading the backend refused (its errors speak of "degrees").
            if (error.errors?.degrees) error.errors = { [input.name]: error.errors.degrees };
            throw error;
          }
        }
        announce(t("rom.saved"));
        refresh();
      } catch (error) {
        showErrors(form, error);
      }
    });
  });
  return section(t("rom.entry"), h("p", { class: "hint" }, t("rom.entryHint", { threshold: number(threshold) })), form);
}

function romSummary(summary) {
  const rows = SIDES.map((side) => {
    const s = summary[side] || {};
    return [t(`rom.side.${side}`), degrees(s.internal_rotation), degrees(s.external_rotation), degrees(s.total_rotation),
      s.position ? t(`position.${s.position}`) : "–"];
  });
  const gap = summary.asymmetry_degrees;
  return section(t("rom.latest"),
    table(t("rom.latest"), [t("rom.sideCol"), t("rom.internal"), t("rom.external"), t("rom.total"), t("rom.position")], rows),
    gap === null ? h("p", {}, t("rom.noAsymmetry"))
      : h("p", { class: `asymmetry ${summary.flagged ? "flagged" : "ok"}` },
        t(summary.flagged ? "rom.asymmetryFlagged" : "rom.asymmetryOk", { gap: number(gap), threshold: number(summary.threshold_degrees) })),
    summary.measured_at ? h("p", { class: "hint" }, t("rom.measuredAt", { when: when(summary.measured_at) })) : null);
}

function outcomeHistory(outcomes) {
  const parts = OUTCOMES.map((instrument) => {
    const list = outcomes.filter((o) => o.instrument === instrument);
    if (!list.length) return null;
    return h("div", {}, h("h3", {}, t(`outcome.${instrument}`)),
      table(t(`outcome.${instrument}`), [t("outcome.col.date"), t("outcome.col.score"), t("outcome.col.change"), t("outcome.col.direction")],
        list.map((o) => [
          when(o.completed_at),
          `${number(o.score, 1)}${o.interpretation ? ` (${t(`band.${o.interpretation}`)})` : ""}`,
          o.change_from_baseline === null ? t("outcome.baseline") : `${o.change_from_baseline > 0 ? "+" : ""}${number(o.change_from_baseline, 1)}`,
          h("span", {}, o.direction ? h("span", { class: `badge dir-${o.direction}` }, t(`direction.${o.direction}`)) : "–",
            o.meaningful_change ? h("span", { class: "badge meaningful" }, t("outcome.meaningful")) : null),
        ])));
  }).filter(Boolean);
  return section(t("outcome.title"), parts.length ? parts : h("p", {}, t("outcome.none")), h("p", { class: "hint" }, t("outcome.hint")));
}
