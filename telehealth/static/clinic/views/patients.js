// Patients: a therapist's caseload, or every patient of the clinic for an admin; search and status.

import * as api from "../../shared/api.js";
import { h } from "../../shared/dom.js";
import { t } from "../../shared/i18n.js";
import { field, focusAfterRedraw, page } from "../../shared/ui.js";
import { applyFilters, day, fullName, options, table } from "../common.js";

const STATUSES = ["active", "discharged"];

export async function patients(view, { query }) {
  const q = query.get("q") || "";
  const status = STATUSES.includes(query.get("status")) ? query.get("status") : "";
  const list = await api.everyPage("/patients", { q, status });
  const search = h("input", { id: "patients-q", type: "search", name: "q", value: q, autocomplete: "off" });
  const statusSelect = h("select", { id: "patients-status", name: "status" }, options(STATUSES, "patientStatus.", status, { any: t("patients.anyStatus") }));
  const filters = h("form", { class: "filters row", role: "search", "aria-label": t("patients.filters") },
    field(t("patients.search"), search), field(t("patients.status"), statusSelect), h("button", { type: "submit" }, t("library.find")));
  const go = (control) => {
    focusAfterRedraw.id = control.id;
    applyFilters("/clinic/patients", { q: search.value.trim(), status: statusSelect.value });
  };
  filters.addEventListener("submit", (event) => { event.preventDefault(); go(search); });
  statusSelect.addEventListener("change", () => go(statusSelect));
  page(view, t("patients.title"), h("p", { class: "lead" }, t("patients.count", { count: list.length })), filters,
    list.length ? table(t("patients.title"), [t("patients.col.name"), t("patients.col.email"), t("patients.col.status"), t("patients.col.zone"), t("patients.col.since")],
      list.map((p) => [h("a", { href: `/clinic/patients/${p.id}` }, fullName(p)), p.email,
        t(`patientStatus.${p.status}`), p.timezone, day(p.created_at.slice(0, 10))]))
      : h("p", {}, t("patients.none")));
}
