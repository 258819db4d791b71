// The patient app: layout, routes, and the start-up (language, service worker, session, outbox).

import { ApiError } from "../shared/api.js";
import { h } from "../shared/dom.js";
import * as i18n from "../shared/i18n.js";
import { t } from "../shared/i18n.js";
import { match, navigate, route, setPrefix, start } from "../shared/router.js";
import * as sessions from "./session.js";
import { session } from "./session.js";
import * as sync from "./sync.js";
import { alertBox, focusAfterRedraw, page } from "../shared/ui.js";
import { account } from "./views/account.js";
import { confirmEmail, invitation, resetPassword, signin, staffNotice, unsubscribe } from "./views/auth.js";
import { progress } from "./views/progress.js";
import { questionnaire } from "./views/questionnaires.js";
import { reminders } from "./views/reminders.js";
import { screening, screeningConfirm } from "./views/screening.js";
import { today } from "./views/today.js";
import { visit, visits } from "./views/visits.js";

setPrefix("/app");
// The pages emails link to (telehealth/links.py) come first.
route("/invitation", invitation, { access: "guest" });
route("/reset-password", resetPassword, { access: "anyone" });
route("/confirm-email", confirmEmail, { access: "anyone" });
route("/unsubscribe", unsubscribe, { access: "anyone" });
route("/screening/confirm", screeningConfirm, { access: "anyone" });
route("/today", today, { nav: "today" });
route("/visits/:id", visit, { nav: "visits" });
route("/signin", signin, { access: "guest" });
route("/progress", progress, { nav: "progress" });
route("/progress/:instrument", questionnaire, { nav: "progress" });
route("/visits", visits, { nav: "visits" });
route("/reminders", reminders, { nav: "reminders" });
route("/account", account, { nav: "account" });
// The public free-screening page: no sign-in, linked from the clinic's own website.
route("/screening", screening, { access: "anyone" });

const NAV = ["today", "progress", "visits", "reminders", "account"];
const root = document.getElementById("app");
const main = h("main", { id: "main", tabindex: "-1" });
const nav = h("nav", { class: "tabs", "aria-label": "" });
const status = h("div", { class: "status", role: "status" });
const live = h("div", { id: "live", class: "visually-hidden", "aria-live": "polite" });
const skip = h("a", { class: "skip", href: "#main" });
const brand = h("a", { class: "brand", href: "/app/today" });
let firstRender = true;
let renders = 0;

function layout() {
  skip.textContent = t("nav.skip");
  if (!brand.firstChild) brand.append(h("img", { src: "/static/app/icons/icon.svg", alt: "", width: 28, height: 28 }), h("span"));
  brand.lastChild.textContent = t("app.shortName");
  nav.setAttribute("aria-label", t("nav.label"));
  if (!root.contains(main)) root.replaceChildren(skip, h("header", { class: "top" }, brand, status), main, nav, live);
}

function drawNav(current) {
  nav.hidden = !session.user || session.user.role !== "patient";
  nav.replaceChildren(h("ul", {}, NAV.map((name) =>
    h("li", {}, h("a", { href: `/app/${name}`, "aria-current": name === current ? "page" : null, class: `tab tab-${name}` },
      h("span", { class: "icon", "aria-hidden": "true" }), h("span", {}, t(`nav.${name}`)))))));
}

async function drawStatus() {
  const parts = [];
  if (!navigator.onLine) parts.push(h("span", { class: "pill offline" }, t("status.offline")));
  const patientId = session.user?.patient_id;
  if (patientId) {
    const waiting = (await sync.waiting(patientId)).length;
    if (waiting) {
      parts.push(h("span", { class: "pill waiting" }, t("status.waiting", { count: waiting })));
      if (navigator.onLine) {
        const button = h("button", { type: "button", class: "link" }, t("status.sendNow"));
        button.addEventListener("click", () => sync.trySync());
        parts.push(button);
      }
    }
    if (sync.state.lastError instanceof ApiError && sync.state.lastError.status === 401) {
      parts.push(h("a", { href: "/app/signin" }, t("status.signInToSend")));
    }
  }
  status.replaceChildren(...parts);
}

function emptyView() {
  const view = h("div", { class: "view" });
  main.replaceChildren(view);
  return view;
}

/** Draw the page for the current address. `focus`: move focus to its heading (after navigating). */
async function render({ focus = true } = {}) {
  const number = ++renders;
  const url = new URL(location.href);
  if (url.pathname === "/app/" || url.pathname === "/app") {
    return navigate(session.user ? "/app/today" : "/app/signin", { replace: true });
  }
  const found = match(url.pathname);
  const signedIn = Boolean(session.user);
  if (found?.access === "member" && !signedIn) {
    return navigate(`/app/signin?next=${encodeURIComponent(url.pathname + url.search)}`, { replace: true });
  }
  if (found?.access === "guest" && signedIn && session.user.role === "patient") {
    return navigate("/app/today", { replace: true });
  }
  layout();
  drawNav(found?.nav);
  drawStatus();
  // A redraw in place (new data, not a new page) keeps focus on the control that had it.
  const focusedId = !focus && main.contains(document.activeElement) ? document.activeElement.id : null;
  const view = emptyView();
  const refresh = () => render({ focus: false });
  try {
    if (!found) page(view, t("notFound.title"), h("p", {}, h("a", { href: "/app/today" }, t("notFound.back"))));
    else if (found.access === "member" && session.user.role !== "patient") await staffNotice(view);
    else await found.view(view, { params: found.params, query: url.searchParams, render: refresh, refresh });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      await sessions.forget();
      return navigate(`/app/signin?next=${encodeURIComponent(url.pathname)}`, { replace: true });
    }
    console.error(error);
    page(view, t("error.title"), alertBox(error));
  }
  if (number !== renders) return;
  const keep = document.getElementById(focusAfterRedraw.id || focusedId || "");
  focusAfterRedraw.id = null;
  if (keep) keep.focus();
  else if (focus && !firstRender) view.querySelector("#page-title")?.focus();
  firstRender = false;
}

async function boot() {
  await i18n.init(new URL("./i18n/", import.meta.url));
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" }).catch((error) => console.warn("service worker", error));
  }
  await sessions.load();
  sync.events.addEventListener("change", drawStatus);
  // Logs the backend now has: redraw what counts them, unless the person is in the middle of a form.
  sync.events.addEventListener("synced", () => {
    const busyForm = main.querySelector("form:not([hidden])");
    if (busyForm && busyForm.contains(document.activeElement)) return;
    if (["today", "progress"].includes(match(location.pathname)?.nav)) render({ focus: false });
  });
  window.addEventListener("online", drawStatus);
  window.addEventListener("offline", drawStatus);
  start(render);
  sync.start();
}

boot();
