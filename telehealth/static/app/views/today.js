// Today: each exercise with its dose, instructions and media; a set counter and a hold timer; "done"
// keeps a log on the device at once (with a pain score) and sends it when it can.

import * as api from "../../shared/api.js";
import { addDays, formatDay, instantAt, localDate } from "../../shared/dates.js";
import { announce, h, uid } from "../../shared/dom.js";
import { t } from "../../shared/i18n.js";
import { fresh, session, staleNote, zone } from "../session.js";
import * as sync from "../sync.js";
import { alertBox, busy, field, focusAfterRedraw, notice, page } from "../../shared/ui.js";

const IMAGE = /\.(png|jpe?g|gif|webp|svg|avif)(\?.*)?$/i;
const VIDEO = /\.(mp4|webm|ogv|ogg|mov)(\?.*)?$/i;

export function dose(assignment) {
  const parts = [];
  parts.push(assignment.reps ? t("dose.setsReps", { sets: assignment.sets, reps: assignment.reps }) : t("dose.sets", { count: assignment.sets }));
  if (assignment.hold_seconds) parts.push(t("dose.hold", { seconds: assignment.hold_seconds }));
  if (assignment.side && assignment.side !== "none") parts.push(t(`dose.side.${assignment.side}`));
  parts.push(t("dose.perDay", { count: assignment.times_per_day }));
  return parts.join(" · ");
}

function media(exercise) {
  const url = exercise.media_url;
  if (!url) return null;
  if (IMAGE.test(url)) return h("img", { class: "media", src: url, alt: t("today.mediaAlt", { name: exercise.name }), loading: "lazy" });
  if (VIDEO.test(url)) return h("video", { class: "media", src: url, controls: true, preload: "none", "aria-label": t("today.mediaAlt", { name: exercise.name }) });
  return h("p", {}, h("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, t("today.mediaLink", { name: exercise.name })));
}

function counter(assignment) {
  let sets = 0;
  const output = h("output", { class: "count", "aria-live": "polite" });
  const show = () => { output.textContent = t("today.setsDone", { done: sets, planned: assignment.sets }); };
  const less = h("button", { type: "button", class: "round", "aria-label": t("today.setLess") }, "−");
  const more = h("button", { type: "button", class: "secondary" }, t("today.setMore"));
  less.addEventListener("click", () => { sets = Math.max(0, sets - 1); show(); });
  more.addEventListener("click", () => { sets = Math.min(20, sets + 1); show(); });
  show();
  const group = h("div", { class: "counter", role: "group", "aria-label": t("today.setCounter") }, less, output, more);
  return { group, value: () => sets };
}

function holdTimer(seconds) {
  let left = seconds;
  let timer = null;
  const display = h("span", { class: "timer", role: "timer", "aria-live": "off" });
  const button = h("button", { type: "button", class: "secondary" });
  const show = () => {
    display.textContent = t("today.holdLeft", { seconds: left });
    button.textContent = timer ? t("today.holdStop") : t("today.holdStart", { seconds });
  };
  const stop = () => { clearInterval(timer); timer = null; left = seconds; show(); };
  button.addEventListener("click", () => {
    if (timer) return stop();
    left = seconds;
    announce(t("today.holdStarted", { seconds }));
    timer = setInterval(() => {
      left -= 1;
      if (left <= 0) {
        stop();
        announce(t("today.holdDone"));
        navigator.vibrate?.(300);
        return;
      }
      show();
    }, 1000);
    show();
  });
  show();
  return h("div", { class: "hold" }, button, display);
}

function radios(name, legend, options, { hint } = {}) {
  const hintId = hint ? uid("hint") : null;
  return h(
    "fieldset",
    { class: "choices", "aria-describedby": hintId },
    h("legend", {}, legend),
    hint ? h("p", { class: "hint", id: hintId }, hint) : null,
    h("div", { class: "chips" }, options.map(([value, label, checked]) => {
      const id = uid(name);
      return h("span", { class: "chip" }, h("input", { type: "radio", name, id, value, checked }), h("label", { for: id }, label));
    })),
  );
}

export function painSlider(name, label, value = 0) {
  const input = h("input", { type: "range", name, min: 0, max: 10, step: 1, value });
  const output = h("output", { class: "pain-value", "aria-hidden": "true" });
  const show = () => {
    output.textContent = input.value;
    input.setAttribute("aria-valuetext", t("pain.valueText", { value: input.value }));
  };
  input.addEventListener("input", show);
  show();
  const wrap = field(label, input, { hint: t("pain.scale") });
  wrap.classList.add("slider");
  wrap.append(output);
  return wrap;
}

function logForm(item, ctx, sets, close) {
  const { assignment } = item;
  const form = h("form", { class: "log stack", hidden: true });
  const setsInput = h("input", { type: "number", name: "sets_completed", min: 1, max: 20, required: true, inputmode: "numeric" });
  form.append(
    h("h3", {}, t("log.title")),
    assignment.side === "both"
      ? radios("side", t("log.side"), [["", t("dose.side.both"), true], ["left", t("dose.side.left")], ["right", t("dose.side.right")]])
      : null,
    field(t("log.sets"), setsInput),
    painSlider("pain_score", t("log.pain")),
    radios("difficulty", t("log.difficulty"), [1, 2, 3, 4, 5].map((n) => [String(n), t(`difficulty.${n}`)]), { hint: t("log.optional") }),
    h("div", { class: "row" },
      h("button", { type: "submit", class: "primary" }, t("log.save")),
      h("button", { type: "button", class: "secondary", onclick: close }, t("log.cancel"))),
  );
  form.prepareOpen = () => { setsInput.value = sets() || assignment.sets; };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await busy(form.querySelector("button[type=submit]"), async () => {
      const data = new FormData(form);
      const log = {
        id: sync.newId(),
        assignment_id: assignment.id,
        // A day of the past week is logged at its local noon: inside that day in the patient's zone.
        performed_at: (ctx.isToday ? new Date() : instantAt(zone(), ctx.date, 12)).toISOString(),
        sets_completed: Number(data.get("sets_completed")),
        pain_score: Number(data.get("pain_score")),
      };
      if (assignment.reps) log.reps_completed = assignment.reps;
      if (assignment.hold_seconds) log.hold_seconds = assignment.hold_seconds;
      if (data.get("side")) log.side = data.get("side");
      if (data.get("difficulty")) log.difficulty = Number(data.get("difficulty"));
      await sync.queue(session.user.patient_id, ctx.date, log);
      focusAfterRedraw.id = `done-${assignment.id}`;
      await ctx.refresh();
      announce(navigator.onLine ? t("log.saved") : t("log.savedOffline"));
    });
  });
  return form;
}

function card(item, ctx) {
  const { assignment, exercise } = item;
  const done = item.done + (ctx.local.get(assignment.id) || 0);
  const complete = done >= item.planned;
  const titleId = uid("ex");
  const count = counter(assignment);
  const doneButton = h("button", { type: "button", id: `done-${assignment.id}`, class: complete ? "secondary" : "primary" }, complete ? t("today.logAgain") : t("today.done"));
  const close = () => { form.hidden = true; doneButton.hidden = false; doneButton.focus(); };
  const form = logForm(item, ctx, count.value, close);
  doneButton.addEventListener("click", () => {
    form.prepareOpen();
    form.hidden = false;
    doneButton.hidden = true;
    form.querySelector("input")?.focus();
  });
  return h(
    "article",
    { class: `card exercise${complete ? " complete" : ""}`, "aria-labelledby": titleId },
    h("div", { class: "card-head" },
      h("h2", { id: titleId }, exercise.name),
      h("p", { class: `badge${complete ? " ok" : ""}` }, complete ? t("today.itemComplete") : t("today.itemProgress", { done, planned: item.planned }))),
    h("p", { class: "dose" }, dose(assignment)),
    media(exercise),
    h("details", {}, h("summary", {}, t("today.howTo")), h("p", {}, exercise.instructions),
      assignment.notes ? h("p", { class: "note" }, h("strong", {}, t("today.therapistNote")), " ", assignment.notes) : null),
    count.group,
    assignment.hold_seconds ? holdTimer(assignment.hold_seconds) : null,
    doneButton,
    form,
  );
}

/** Logs still on the device, counted as the API counts: for a two-sided exercise, one left and one
right make one done (an estimate until they are sent: the other side may be logged already). */
function localDone(items) {
  const sides = new Map();
  for (const { log } of items) {
    const counts = sides.get(log.assignment_id) || { none: 0, left: 0, right: 0 };
    counts[log.side || "none"] += 1;
    sides.set(log.assignment_id, counts);
  }
  return new Map([...sides].map(([id, c]) => [id, c.none + Math.min(c.left, c.right)]));
}

function dayStrip(todayDate, selected, week) {
  const rates = new Map((week?.days || []).map((day) => [day.date, day]));
  const links = [];
  for (let back = 6; back >= 0; back -= 1) {
    const date = addDays(todayDate, -back);
    const day = rates.get(date);
    const state = !day || !day.planned ? "none" : day.done >= day.planned ? "complete" : day.done > 0 ? "partial" : "open";
    links.push(h("li", {},
      h("a", { href: back ? `/app/today?date=${date}` : "/app/today", class: `day ${state}`, "aria-current": date === selected ? "page" : null },
        h("span", { class: "weekday" }, formatDay(date, { weekday: "short" })),
        h("span", { class: "daynum" }, formatDay(date, { day: "numeric" })),
        h("span", { class: "visually-hidden" }, ` ${formatDay(date, { month: "long" })}, ${t(`day.${state}`)}`))));
  }
  return h("nav", { class: "days", "aria-label": t("today.week") }, h("ol", {}, links));
}

function rejectedList(items) {
  if (!items.length) return null;
  return h("section", { class: "card warn", "aria-labelledby": "rejected-title" },
    h("h2", { id: "rejected-title" }, t("outbox.rejectedTitle", { count: items.length })),
    h("ul", {}, items.map((item) => {
      const reasons = Object.values(item.errors || {}).flat().join(" ") || t(`outbox.status.${item.status}`);
      const dismiss = h("button", { type: "button", class: "secondary" }, t("outbox.dismiss"));
      dismiss.addEventListener("click", () => sync.dismiss(item.id));
      return h("li", {}, h("p", {}, `${formatDay(item.date)}: ${reasons}`), dismiss);
    })));
}

export async function today(view, { query, refresh }) {
  const patientId = session.user.patient_id;
  const todayDate = localDate(zone());
  let date = query.get("date") || todayDate;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || date > todayDate || date < addDays(todayDate, -6)) date = todayDate;
  const isToday = date === todayDate;
  const title = isToday ? t("today.title") : formatDay(date);
  const [plan, week] = await Promise.allSettled([
    fresh(`today:${date}`, () => api.get(`/patients/${patientId}/today`, { date })),
    fresh(`week:${todayDate}`, () => api.get(`/patients/${patientId}/adherence`, { from: addDays(todayDate, -6), to: todayDate })),
  ]);
  const outbox = await sync.items(patientId);
  const local = localDone(outbox.filter((item) => item.state === "waiting" && item.date === date));
  const strip = dayStrip(todayDate, date, week.status === "fulfilled" ? week.value.value : null);
  const welcome = query.get("welcome") ? notice(t("today.welcome", { name: session.user.first_name }), "ok") : null;
  if (plan.status === "rejected") {
    const error = plan.reason;
    const body = error instanceof api.OfflineError ? notice(t("today.offlineNothing"), "warn") : alertBox(error);
    return page(view, title, strip, body);
  }
  const items = plan.value.value.items.filter((item) => item.planned > 0);
  let planned = 0;
  let done = 0;
  for (const item of items) {
    planned += item.planned;
    done += Math.min(item.planned, item.done + (local.get(item.assignment.id) || 0));
  }
  const ctx = { date, isToday, local, refresh };
  const summary = planned
    ? h("section", { class: "summary", "aria-labelledby": "summary-title" },
      h("h2", { id: "summary-title", class: "visually-hidden" }, t("today.summaryTitle")),
      h("p", { class: "big" }, done >= planned ? t("today.allDone") : t("today.progress", { done, planned })),
      h("progress", { max: planned, value: done, "aria-label": t("today.progress", { done, planned }) }))
    : notice(t("today.restDay"));
  page(
    view,
    title,
    welcome,
    strip,
    staleNote(plan.value),
    summary,
    rejectedList(outbox.filter((item) => item.state === "rejected")),
    h("div", { class: "cards" }, items.map((item) => card(item, ctx))),
  );
}
