// A patient's record: the reminder delivery log and remote therapeutic monitoring (episode, periods,
// months and codes, enrolment and its end, time entries).

import * as api from "../../shared/api.js";
import { localDate } from "../../shared/dates.js";
import { announce, h } from "../../shared/dom.js";
import { t } from "../../shared/i18n.js";
import { busy, field, formError, page, showErrors } from "../../shared/ui.js";
import { day, fullName, loadPatient, options, patientHeader, section, table, when } from "../common.js";

const ACTIVITIES = ["data_review", "program_update", "patient_communication"];
const MODALITIES = ["video", "phone", "message"];

export async function patientRecord(view, { params, refresh }) {
  const patient = await loadPatient(params.id);
  const [rtm, entries, notifications] = await Promise.all([
    api.get(`/patients/${patient.id}/rtm`),
    api.get(`/patients/${patient.id}/time-entries`, { per_page: 50 }),
    api.get(`/patients/${patient.id}/notifications`, { per_page: 50 }),
  ]);
  page(view, t("record.title", { name: fullName(patient) }), ...patientHeader(patient, "/record"),
    rtmSection(patient, rtm, entries.items, refresh), deliveryLog(notifications));
}

/** A small form that posts its fields and redraws the page; `body` reads the form's controls. */
function postForm(path, controls, label, body, refresh, saidAfter) {
  const submit = h("button", { type: "submit", class: "primary" }, label);
  const form = h("form", { class: "stack", novalidate: true }, controls, formError(), submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      try {
        await api.post(path, body());
        announce(saidAfter);
        refresh();
      } catch (error) {
        showErrors(form, error);
      }
    });
  });
  return form;
}

function rtmSection(patient, rtm, entries, refresh) {
  const today = localDate(patient.timezone);
  const episode = rtm.episode;
  const parts = [];
  if (!episode || episode.ended_on) {
    const start = h("input", { type: "date", name: "start_date", value: today, required: true });
    const consent = h("input", { type: "checkbox", name: "consent_obtained", id: "rtm-consent" });
    parts.push(h("p", {}, episode ? t("rtm.ended", { date: day(episode.ended_on) }) : t("rtm.notEnrolled")),
      postForm(`/patients/${patient.id}/rtm/enroll`, [field(t("rtm.startDate"), start),
        h("div", { class: "check field" }, consent, h("label", { for: consent.id }, t("rtm.consent")))],
      t("rtm.enroll"), () => ({ start_date: start.value, consent_obtained: consent.checked }), refresh, t("rtm.enrolled")));
  } else {
    const end = h("input", { type: "date", name: "end_date", value: today, required: true });
    parts.push(h("p", { class: "big" }, t("rtm.since", { date: day(episode.start_date) }),
      rtm.setup_code ? ` · ${t("rtm.setup", { code: rtm.setup_code })}` : ""),
    h("details", {}, h("summary", {}, t("rtm.end")),
      postForm(`/patients/${patient.id}/rtm/end`, [field(t("rtm.endDate"), end)], t("rtm.end"), () => ({ end_date: end.value }), refresh, t("rtm.endedNow"))));
  }
  if (rtm.periods.length) {
    parts.push(h("h3", {}, t("rtm.periods")), table(t("rtm.periods"), [t("rtm.col.period"), t("rtm.col.dataDays"), t("rtm.col.code")],
      rtm.periods.map((p) => [`${day(p.start)} – ${day(p.end)}`, String(p.data_days), p.supply_code || "–"])));
  }
  if (rtm.months.length) {
    parts.push(h("h3", {}, t("rtm.months")), table(t("rtm.months"), [t("rtm.col.month"), t("rtm.col.minutes"), t("rtm.col.interactive"), t("rtm.col.codes")],
      rtm.months.map((m) => [m.month, String(m.minutes), t(m.interactive ? "common.yes" : "common.no"), m.management_codes.join(", ") || "–"])));
  }
  if (episode) parts.push(timeEntries(patient, entries, refresh));
  return section(t("rtm.title"), parts);
}

function timeEntries(patient, entries, refresh) {
  const minutes = h("input", { type: "number", name: "minutes", min: 1, max: 120, value: 10, required: true });
  const activity = h("select", { name: "activity" }, options(ACTIVITIES, "rtm.activity.", "data_review"));
  const modality = h("select", { name: "modality" }, options(MODALITIES, "rtm.modality.", "", { any: t("rtm.noModality") }));
  const note = h("input", { name: "note", maxlength: 500 });
  const form = postForm(`/patients/${patient.id}/time-entries`,
    [h("div", { class: "row" }, field(t("rtm.minutes"), minutes), field(t("rtm.activity"), activity), field(t("rtm.modality"), modality)), field(t("rtm.note"), note)],
    t("rtm.addTime"), () => ({
      minutes: Number(minutes.value), activity: activity.value, modality: modality.value || null,
      occurred_at: new Date().toISOString(), note: note.value.trim() || null,
    }), refresh, t("rtm.timeAdded"));
  return h("div", {}, h("h3", {}, t("rtm.timeEntries")),
    entries.length ? table(t("rtm.timeEntries"), [t("rtm.col.when"), t("rtm.minutes"), t("rtm.activity"), t("rtm.modality"), t("rtm.note")],
      entries.map((e) => [when(e.occurred_at), String(e.minutes), t(`rtm.activity.${e.activity}`), e.modality ? t(`rtm.modality.${e.modality}`) : "–", e.note || ""]))
      : h("p", {}, t("rtm.noTime")),
    h("details", {}, h("summary", {}, t("rtm.addTime")), form));
}

function deliveryLog(answer) {
  return section(t("deliveries.title"), answer.items.length
    ? table(t("deliveries.title"), [t("deliveries.col.scheduled"), t("deliveries.col.kind"), t("deliveries.col.channel"), t("deliveries.col.status"), t("deliveries.col.sent"), t("deliveries.col.attempts")],
      answer.items.map((n) => [when(n.scheduled_for), t(`deliveries.kind.${n.kind}`), t(`deliveries.channel.${n.channel}`),
        h("span", {}, h("span", { class: `badge delivery-${n.status}` }, t(`deliveries.status.${n.status}`)), n.error ? ` ${n.error}` : ""),
        when(n.sent_at), String(n.attempts)]))
    : h("p", {}, t("deliveries.none")));
}
