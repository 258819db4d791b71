// The caseload: every patient of the therapist with the dashboard's numbers and flags, flagged first;
// filter by flag or name, sort by any column; a patient's name opens their page.

import * as api from "../../shared/api.js";
import { h } from "../../shared/dom.js";
import { number, percent, t } from "../../shared/i18n.js";
import { field, focusAfterRedraw, page } from "../../shared/ui.js";
import { applyFilters, flagBadge, options, table, when } from "../common.js";

export const FLAGS = ["inactive", "low_adherence", "pain_increase", "rom_asymmetry", "outcome_worsened"];
const SORTS = {
  flags: (a, b) => b.flags.length - a.flags.length,
  name: (a, b) => `${a.patient.last_name} ${a.patient.first_name}`.localeCompare(`${b.patient.last_name} ${b.patient.first_name}`),
  adherence: (a, b) => (a.adherence_7d ?? 2) - (b.adherence_7d ?? 2),
  pain: (a, b) => (b.avg_pain_7d ?? -1) - (a.avg_pain_7d ?? -1),
  activity: (a, b) => (a.last_activity_at || "").localeCompare(b.last_activity_at || ""),
  next: (a, b) => (a.next_session_at || "9").localeCompare(b.next_session_at || "9"),
};

export async function caseload(view, { query }) {
  const flag = FLAGS.includes(query.get("flag")) ? query.get("flag") : "";
  const sort = SORTS[query.get("sort")] ? query.get("sort") : "flags";
  const q = (query.get("q") || "").trim().toLowerCase();
  const all = await api.everyPage("/dashboard/caseload", { flag });
  const rows = all
    .filter((item) => !q || `${item.patient.first_name} ${item.patient.last_name}`.toLowerCase().includes(q))
    .sort((a, b) => SORTS[sort](a, b) || SORTS.name(a, b));

  const flagSelect = h("select", { id: "caseload-flag", name: "flag" }, options(FLAGS, "flag.", flag, { any: t("caseload.anyFlag") }));
  const sortSelect = h("select", { id: "caseload-sort", name: "sort" }, options(Object.keys(SORTS), "caseload.sort.", sort));
  const search = h("input", { id: "caseload-q", type: "search", name: "q", value: query.get("q") || "", autocomplete: "off" });
  const filters = h("form", { class: "filters row", role: "search", "aria-label": t("caseload.filters") },
    field(t("caseload.search"), search), field(t("caseload.flag"), flagSelect), field(t("caseload.sortBy"), sortSelect));
  const apply = (control) => {
    focusAfterRedraw.id = control.id;
    applyFilters("/clinic/caseload", { flag: flagSelect.value, sort: sortSelect.value === "flags" ? "" : sortSelect.value, q: search.value.trim() });
  };
  flagSelect.addEventListener("change", () => apply(flagSelect));
  sortSelect.addEventListener("change", () => apply(sortSelect));
  filters.addEventListener("submit", (event) => { event.preventDefault(); apply(search); });
  search.addEventListener("search", () => apply(search));

  const flagged = all.filter((item) => item.flags.length).length;
  const body = rows.length
    ? table(t("caseload.title"), [t("caseload.col.patient"), t("caseload.col.flags"), t("caseload.col.adherence"),
      t("caseload.col.pain"), t("caseload.col.rom"), t("caseload.col.activity"), t("caseload.col.next")],
    rows.map((item) => [
      h("a", { href: `/clinic/patients/${item.patient.id}` }, `${item.patient.first_name} ${item.patient.last_name}`),
      item.flags.length ? h("span", { class: "flags" }, item.flags.map(flagBadge)) : t("caseload.noFlags"),
      item.adherence_7d === null ? "–" : percent(item.adherence_7d),
      item.avg_pain_7d === null ? "–" : painText(item),
      item.rom_asymmetry_degrees === null ? "–" : `${number(item.rom_asymmetry_degrees)}°`,
      when(item.last_activity_at),
      when(item.next_session_at),
    ]))
    : h("p", {}, t("caseload.empty"));
  page(view, t("caseload.title"), h("p", { class: "lead" }, t("caseload.summary", { count: all.length, flagged })), filters, body);
}

function painText(item) {
  const mean = number(item.avg_pain_7d, 1);
  if (item.pain_change === null || item.pain_change === undefined) return mean;
  const sign = item.pain_change > 0 ? "+" : "";
  return t("caseload.painWithChange", { mean, change: `${sign}${number(item.pain_change, 1)}` });
}
