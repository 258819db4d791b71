// A patient's overview: profile (conditions, time zone, contact, a pending email change), editing it,
// discharge, and adherence and pain over the last 30 days.

import * as api from "../../shared/api.js";
import { adherenceBars, painByDay, painLine } from "../../shared/charts.js";
import { addDays, instantAt, localDate } from "../../shared/dates.js";
import { h } from "../../shared/dom.js";
import { number, percent, t } from "../../shared/i18n.js";
import { alertBox, busy, field, formError, notice, page, showErrors } from "../../shared/ui.js";
import { CONDITIONS, day, fullName, loadPatient, patientHeader, reasonForm, section } from "../common.js";
import { session } from "../session.js";

const DAYS = 30;

export async function patientOverview(view, { params, refresh }) {
  const patient = await loadPatient(params.id);
  const today = localDate(patient.timezone);
  const from = addDays(today, -(DAYS - 1));
  // Adherence is the care team's and the patient's (API.md); an admin reads it in the report PDF.
  const careTeam = session.user?.role === "therapist";
  const [adherence, logs] = await Promise.allSettled([
    careTeam ? api.get(`/patients/${patient.id}/adherence`, { from, to: today }) : null,
    api.everyPage(`/patients/${patient.id}/progress-logs`, { from: instantAt(patient.timezone, from, 0).toISOString() }),
  ]);
  page(view, fullName(patient), ...patientHeader(patient, ""),
    h("div", { class: "columns" },
      h("div", {}, profile(patient), editForm(patient, refresh), discharge(patient, refresh)),
      h("div", {}, adherenceCard(adherence), painCard(logs, patient, from))));
}

function profile(patient) {
  const rows = [
    [t("patient.email"), patient.email],
    [t("patient.phone"), patient.phone || "–"],
    [t("patient.zone"), patient.timezone],
    [t("patient.born"), day(patient.date_of_birth)],
    [t("patient.conditions"), patient.conditions.map((c) => t(`condition.${c}`)).join(", ") || "–"],
  ];
  if (patient.status === "discharged") rows.push([t("patient.dischargedOn"), `${day(patient.discharged_at.slice(0, 10))} ${patient.discharge_reason || ""}`.trim()]);
  return section(t("patient.profile"),
    patient.pending_email ? notice(t("patient.pendingEmail", { email: patient.pending_email }), "warn") : null,
    h("dl", { class: "facts" }, rows.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])));
}

function editForm(patient, refresh) {
  const email = h("input", { type: "email", name: "email", value: patient.email, required: true });
  const phone = h("input", { type: "tel", name: "phone", value: patient.phone || "", autocomplete: "off" });
  const zone = h("input", { name: "timezone", value: patient.timezone, required: true });
  const boxes = CONDITIONS.map((c) => {
    const box = h("input", { type: "checkbox", name: "conditions", value: c, id: `cond-${c}`, checked: patient.conditions.includes(c) });
    return h("div", { class: "check" }, box, h("label", { for: box.id }, t(`condition.${c}`)));
  });
  const submit = h("button", { type: "submit", class: "primary" }, t("common.save"));
  const form = h("form", { class: "stack", novalidate: true },
    field(t("patient.email"), email, { hint: t("patient.emailHint") }), field(t("patient.phone"), phone),
    field(t("patient.zone"), zone, { hint: t("patient.zoneHint") }),
    h("fieldset", {}, h("legend", {}, t("patient.conditions")), h("div", { class: "grid2" }, boxes)), formError(), submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      const changes = {
        phone: phone.value.trim() || null,
        timezone: zone.value.trim(),
        conditions: boxes.map((b) => b.querySelector("input")).filter((b) => b.checked).map((b) => b.value),
      };
      if (email.value.trim() !== patient.email) changes.email = email.value.trim();
      try {
        await api.request("PATCH", `/patients/${patient.id}`, { body: changes });
        refresh();
      } catch (error) {
        showErrors(form, error);
      }
    });
  });
  return h("details", { class: "card" }, h("summary", {}, t("patient.edit")), form);
}

function discharge(patient, refresh) {
  if (patient.status === "discharged") return null;
  const form = reasonForm(`/patients/${patient.id}/discharge`, { label: t("patient.dischargeReason"), button: t("patient.discharge"), refresh });
  return h("details", { class: "card" }, h("summary", {}, t("patient.discharge")), h("p", { class: "hint" }, t("patient.dischargeHint")), form);
}

function adherenceCard(result) {
  if (result.value === null) return section(t("patient.adherence"), h("p", {}, t("patient.adherenceCareTeam")));
  if (result.status === "rejected") return section(t("patient.adherence"), alertBox(result.reason));
  const data = result.value;
  const text = data.rate === null ? t("patient.adherenceNone") : t("patient.adherenceSummary", { percent: percent(data.rate), days: DAYS });
  return section(t("patient.adherence"), h("p", { class: "big" }, text), adherenceBars(data.days, text));
}

function painCard(result, patient, from) {
  if (result.status === "rejected") return section(t("patient.pain"), alertBox(result.reason));
  const points = painByDay(result.value, patient.timezone, from, DAYS);
  if (!points.length) return section(t("patient.pain"), h("p", {}, t("patient.painNone")));
  const latest = points[points.length - 1][1];
  const text = t("patient.painSummary", { now: number(latest, 1), days: points.length });
  return section(t("patient.pain"), h("p", { class: "big" }, text), painLine(points, DAYS, text), h("p", { class: "hint" }, t("patient.painScale")));
}
