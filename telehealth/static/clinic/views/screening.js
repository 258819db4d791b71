// Screening requests: free screenings asked for by people who are not patients yet, once they
// confirmed their email. The list puts urgent ones (a red flag ticked) first; one request is
// accepted (the person becomes a patient with a screening visit) or declined.

import * as api from "../../shared/api.js";
import { announce, h } from "../../shared/dom.js";
import { t } from "../../shared/i18n.js";
import { navigate } from "../../shared/router.js";
import { alertText, busy, field, focusAfterRedraw, formError, notice, page, showErrors } from "../../shared/ui.js";
import { session } from "../session.js";
import { applyFilters, fullName, options, section, table, therapistZone, when } from "../common.js";

const STATUSES = ["requested", "unconfirmed", "accepted", "declined", "expired"];
const MESSAGE_PREVIEW = 140;

const flagsText = (request) => request.red_flags.map((flag) => t(`redFlag.${flag}`)).join(", ");
const conditionsText = (request) => (request.conditions.length ? request.conditions.map((c) => t(`condition.${c}`)).join(", ") : "–");

function urgentBadge(request) {
  return request.urgent ? h("span", { class: "badge urgent" }, t("screeningReq.urgent")) : null;
}

/** The held slot in the therapist's own zone ("no slot" without one). */
function slotText(slot, zones) {
  if (!slot) return t("screeningReq.noSlot");
  const zone = zones.get(slot.therapist_id);
  return t("screeningReq.slotWith", { when: when(slot.starts_at, zone.zone), zone: zone.zone, therapist: slot.therapist_name });
}

async function zonesOf(therapistIds) {
  const ids = [...new Set(therapistIds.filter(Boolean))];
  return new Map(await Promise.all(ids.map(async (id) => [id, await therapistZone(id)])));
}

export async function screeningRequests(view, { query }) {
  const status = STATUSES.includes(query.get("status")) ? query.get("status") : "requested";
  const list = await api.everyPage("/screening-requests", { status });
  const zones = await zonesOf(list.map((r) => r.slot?.therapist_id));
  const statusSelect = h("select", { id: "screening-status", name: "status" }, options(STATUSES, "screeningStatus.", status));
  const filters = h("form", { class: "filters row", role: "search", "aria-label": t("screeningReq.filters") },
    field(t("screeningReq.status"), statusSelect), h("button", { type: "submit" }, t("library.find")));
  const go = () => {
    focusAfterRedraw.id = statusSelect.id;
    applyFilters("/clinic/screening", { status: statusSelect.value });
  };
  filters.addEventListener("submit", (event) => { event.preventDefault(); go(); });
  statusSelect.addEventListener("change", go);
  const urgent = list.filter((r) => r.urgent).length;
  const rows = list.map((r) => [
    h("span", { class: "who-cell" }, h("a", { href: `/clinic/screening/${r.id}` }, fullName(r)), " ", urgentBadge(r),
      r.urgent ? h("span", { class: "red-flags" }, flagsText(r)) : null),
    h("span", {}, r.email, r.phone ? h("br") : null, r.phone || null),
    r.timezone,
    conditionsText(r),
    r.message ? (r.message.length > MESSAGE_PREVIEW ? `${r.message.slice(0, MESSAGE_PREVIEW)}…` : r.message) : "–",
    slotText(r.slot, zones),
  ]);
  page(view, t("screeningReq.title"),
    h("p", { class: "lead" }, t("screeningReq.count", { count: list.length }), urgent ? ` ${t("screeningReq.urgentCount", { count: urgent })}` : ""),
    filters,
    list.length ? table(t("screeningReq.title"), [t("screeningReq.col.person"), t("screeningReq.col.contact"), t("screeningReq.col.zone"),
      t("screeningReq.col.conditions"), t("screeningReq.col.message"), t("screeningReq.col.slot")], rows)
      : h("p", {}, t(`screeningReq.none.${status}`)));
}

export async function screeningRequest(view, { params, query }) {
  const request = await api.get(`/screening-requests/${params.id}`);
  const zones = await zonesOf([request.slot?.therapist_id]);
  const facts = h("dl", { class: "facts" },
    h("dt", {}, t("screeningReq.status")), h("dd", {}, h("span", { class: `badge status-${request.status}` }, t(`screeningStatus.${request.status}`)), " ", urgentBadge(request)),
    request.urgent ? [h("dt", {}, t("screeningReq.redFlags")), h("dd", { class: "red-flags" }, flagsText(request))] : null,
    h("dt", {}, t("screeningReq.email")), h("dd", {}, request.email),
    h("dt", {}, t("screeningReq.phone")), h("dd", {}, request.phone || "–"),
    h("dt", {}, t("screeningReq.col.zone")), h("dd", {}, request.timezone),
    h("dt", {}, t("screeningReq.born")), h("dd", {}, request.date_of_birth || t("screeningReq.notGiven")),
    h("dt", {}, t("screeningReq.col.conditions")), h("dd", {}, conditionsText(request)),
    h("dt", {}, t("screeningReq.col.message")), h("dd", { class: "message" }, request.message || "–"),
    h("dt", {}, t("screeningReq.col.slot")), h("dd", {}, slotText(request.slot, zones)),
    h("dt", {}, t("screeningReq.asked")), h("dd", {}, when(request.created_at)),
    request.decided_at ? [h("dt", {}, t("screeningReq.decided")), h("dd", {}, when(request.decided_at))] : null,
    request.decline_reason ? [h("dt", {}, t("screeningReq.reason")), h("dd", {}, request.decline_reason)] : null);
  const parts = [];
  if (request.urgent) parts.push(h("div", { class: "notice bad", role: "note" }, h("p", {}, t("screeningReq.urgentAdvice", { flags: flagsText(request) }))));
  if (query.get("done") === "accepted") parts.push(notice(t("screeningReq.acceptedNow", { name: fullName(request) }), "ok"));
  if (query.get("done") === "declined") parts.push(notice(t("screeningReq.declinedNow"), "ok"));
  parts.push(section(t("screeningReq.details"), facts));
  if (request.status === "accepted" && request.patient_id) {
    parts.push(section(t("screeningReq.outcome"), h("ul", {},
      h("li", {}, h("a", { href: `/clinic/patients/${request.patient_id}` }, t("screeningReq.openPatient", { name: fullName(request) }))),
      request.session_id ? h("li", {}, h("a", { href: `/clinic/visits/${request.session_id}` }, t("screeningReq.openVisit"))) : null)));
  }
  if (request.status === "requested") parts.push(await acceptForm(request, zones), declineForm(request));
  page(view, t("screeningReq.detailTitle", { name: fullName(request) }),
    h("p", { class: "crumbs" }, h("a", { href: "/clinic/screening" }, t("nav.screening"))), ...parts);
}

/** 422: the fields the form shows are marked by showErrors; the others are said in words here. */
function explain(form, error) {
  if (error.status === 409) error.detail = t("screeningReq.conflict", { detail: error.detail || error.title });
  showErrors(form, error);
  if (error.status !== 422) return;
  const unseen = Object.entries(error.errors || {}).filter(([name]) => !form.querySelector(`[name="${CSS.escape(name)}"]`));
  const slot = form.querySelector(".form-error");
  slot.replaceChildren(alertText(t("screeningReq.invalid")));
  if (unseen.length) slot.append(h("ul", {}, unseen.map(([name, messages]) => h("li", {}, `${name}: ${messages.join(" ")}`))));
}

async function acceptForm(request, zones) {
  const admin = session.user.role === "admin";
  const held = request.slot;
  let therapistSelect = null;
  if (admin) {
    const therapists = await api.everyPage("/therapists");
    therapistSelect = h("select", { name: "therapist_id", id: "accept-therapist" },
      held ? null : h("option", { value: "" }, t("screeningReq.chooseTherapist")),
      therapists.map((th) => h("option", { value: th.id, selected: th.id === held?.therapist_id }, fullName(th))));
  }
  const timeSelect = h("select", { name: "starts_at", id: "accept-time" });
  const timeField = field(t("screeningReq.time"), timeSelect, { hint: t("screeningReq.timeHint") });
  const born = request.date_of_birth ? null : h("input", { type: "date", name: "date_of_birth", required: true });
  const submit = h("button", { type: "submit", class: "primary" }, t("screeningReq.accept"));
  const form = h("form", { class: "stack", novalidate: true },
    therapistSelect ? field(t("screeningReq.therapist"), therapistSelect) : null, timeField,
    born ? field(t("screeningReq.born"), born, { hint: t("screeningReq.bornHint") }) : null,
    formError(), submit);

  const therapistId = () => (admin ? therapistSelect.value : session.user.therapist_id);
  let heldTaken = false; // a 409 on the held slot: it is offered no more
  /** The held slot (when it is this therapist's) and every open screening slot, in their zone. */
  const fillTimes = async () => {
    const id = therapistId();
    const zone = id ? (zones.get(id) || await therapistZone(id)) : null;
    if (id) zones.set(id, zone);
    timeField.querySelector("label").textContent = zone ? t("screeningReq.timeIn", { zone: zone.zone }) : t("screeningReq.time");
    const keep = timeSelect.value;
    const choices = [];
    if (held && held.therapist_id === id && !heldTaken) choices.push(h("option", { value: "" }, t("screeningReq.heldOption", { when: when(held.starts_at, zone.zone) })));
    else choices.push(h("option", { value: "" }, id ? t("screeningReq.chooseTime") : t("screeningReq.therapistFirst")));
    if (id) {
      const open = (await api.get("/slots", { kind: "screening", therapist_id: id })).items;
      for (const slot of open) choices.push(h("option", { value: slot.starts_at }, when(slot.starts_at, zone.zone)));
      if (!open.length) choices.push(h("option", { value: "", disabled: true }, t("screeningReq.noOpenSlots")));
    }
    timeSelect.replaceChildren(...choices);
    if (keep && choices.some((option) => option.value === keep)) timeSelect.value = keep;
  };
  await fillTimes();
  therapistSelect?.addEventListener("change", fillTimes);

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      const body = {};
      if (timeSelect.value) body.starts_at = timeSelect.value;
      if (admin && therapistSelect.value) body.therapist_id = therapistSelect.value;
      if (born?.value) body.date_of_birth = born.value;
      try {
        await api.post(`/screening-requests/${request.id}/accept`, body);
        announce(t("screeningReq.acceptedNow", { name: fullName(request) }));
        navigate(`/clinic/screening/${request.id}?done=accepted`, { replace: true });
      } catch (error) {
        // The times are fetched again first, so the explanation comes with the times still open.
        if (error.status === 409) {
          heldTaken = heldTaken || !body.starts_at;
          await fillTimes().catch(() => {});
        }
        explain(form, error);
      }
    });
  });
  return section(t("screeningReq.acceptTitle"), h("p", { class: "hint" }, t("screeningReq.acceptHint")), form);
}

function declineForm(request) {
  const reason = h("textarea", { name: "reason", rows: 2, maxlength: 2000 });
  const submit = h("button", { type: "submit" }, t("screeningReq.decline"));
  const form = h("form", { class: "stack", novalidate: true },
    field(t("screeningReq.reason"), reason, { hint: t("screeningReq.reasonHint") }), formError(), submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      try {
        await api.post(`/screening-requests/${request.id}/decline`, { reason: reason.value.trim() || null });
        announce(t("screeningReq.declinedNow"));
        navigate(`/clinic/screening/${request.id}?done=declined`, { replace: true });
      } catch (error) {
        explain(form, error);
      }
    });
  });
  return h("details", { class: "card" }, h("summary", {}, t("screeningReq.decline")), h("p", { class: "hint" }, t("screeningReq.declineHint")), form);
}
