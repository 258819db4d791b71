// The audit trail (admins): every read and write of patient data, filtered by patient, person and
// dates: who saw which patient's data, when, and from which address.

import * as api from "../../shared/api.js";
import { instantAt } from "../../shared/dates.js";
import { h } from "../../shared/dom.js";
import { t } from "../../shared/i18n.js";
import { field, focusAfterRedraw, page } from "../../shared/ui.js";
import { applyFilters, fullName, table, when, zone } from "../common.js";

export async function audit(view, { query }) {
  const patientId = query.get("patient_id") || "";
  const actorId = query.get("actor_id") || "";
  const from = query.get("from") || "";
  const to = query.get("to") || "";
  const [patients, therapists, events] = await Promise.all([
    api.everyPage("/patients"),
    api.everyPage("/therapists"),
    api.get("/audit-events", {
      patient_id: patientId, actor_id: actorId, per_page: 200,
      from: from ? instantAt(zone(), from, 0).toISOString() : "", to: to ? instantAt(zone(), to, 24).toISOString() : "",
    }),
  ]);
  // People by their user id: the audit names actors by account.
  const people = new Map([...patients, ...therapists].map((p) => [p.user_id, fullName(p)]));
  const patientNames = new Map(patients.map((p) => [p.id, fullName(p)]));
  const patientSelect = h("select", { id: "audit-patient", name: "patient_id" }, h("option", { value: "" }, t("audit.anyPatient")),
    patients.map((p) => h("option", { value: p.id, selected: p.id === patientId }, fullName(p))));
  const actorSelect = h("select", { id: "audit-actor", name: "actor_id" }, h("option", { value: "" }, t("audit.anyone")),
    therapists.map((th) => h("option", { value: th.user_id, selected: th.user_id === actorId }, fullName(th))),
    patients.map((p) => h("option", { value: p.user_id, selected: p.user_id === actorId }, t("audit.patientActor", { name: fullName(p) }))));
  const fromInput = h("input", { id: "audit-from", type: "date", name: "from", value: from });
  const toInput = h("input", { id: "audit-to", type: "date", name: "to", value: to });
  const filters = h("form", { class: "filters row", role: "search", "aria-label": t("audit.filters") },
    field(t("audit.patient"), patientSelect), field(t("audit.actor"), actorSelect), field(t("audit.from"), fromInput), field(t("audit.to"), toInput),
    h("button", { type: "submit" }, t("audit.apply")));
  const go = (control) => {
    focusAfterRedraw.id = control.id;
    applyFilters("/clinic/audit", { patient_id: patientSelect.value, actor_id: actorSelect.value, from: fromInput.value, to: toInput.value });
  };
  filters.addEventListener("submit", (event) => { event.preventDefault(); go(patientSelect); });
  patientSelect.addEventListener("change", () => go(patientSelect));
  actorSelect.addEventListener("change", () => go(actorSelect));
  page(view, t("audit.title"), h("p", { class: "lead" }, t("audit.lead")), filters,
    h("p", {}, t("audit.count", { count: events.total, shown: events.items.length })),
    events.items.length ? table(t("audit.title"), [t("audit.col.when"), t("audit.col.who"), t("audit.col.action"), t("audit.col.patient"), t("audit.col.from"), t("audit.col.outcome")],
      events.items.map((e) => [when(e.at),
        e.actor_id ? `${people.get(e.actor_id) || t("audit.staff")} (${e.actor_role ? t(`role.${e.actor_role}`) : "–"})` : t("audit.nobody"),
        `${e.action}${e.resource_type ? ` · ${e.resource_type}` : ""}`,
        e.patient_id ? patientNames.get(e.patient_id) || e.patient_id : "–",
        e.ip || "–", `${e.outcome} (${e.status_code})`]))
      : h("p", {}, t("audit.none")));
}
