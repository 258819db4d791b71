// The clinic console: layout, the table of screens, and the start-up (language, session).
//
// A new screen is one view module under views/ plus one entry in SCREENS below (and its words in
// i18n/en.json and es.json): `nav` puts it in the top navigation for the `roles` named.

import { ApiError } from "../shared/api.js";
import { h } from "../shared/dom.js";
import * as i18n from "../shared/i18n.js";
import { t } from "../shared/i18n.js";
import { match, navigate, route, setPrefix, start } from "../shared/router.js";
import { alertBox, focusAfterRedraw, page } from "../shared/ui.js";
import * as sessions from "./session.js";
import { home, session } from "./session.js";
import { audit } from "./views/audit.js";
import { caseload } from "./views/caseload.js";
import { library } from "./views/library.js";
import { patientMeasures } from "./views/patient-measures.js";
import { patientOverview } from "./views/patient-overview.js";
import { patientProgram } from "./views/patient-program.js";
import { patientRecord } from "./views/patient-record.js";
import { patients } from "./views/patients.js";
import { screeningRequest, screeningRequests } from "./views/screening.js";
import { signin } from "./views/signin.js";
import { templates } from "./views/templates.js";
import { therapists } from "./views/therapists.js";
import { visit, visits } from "./views/visits.js";

const STAFF = ["therapist", "admin"];
const THERAPIST = ["therapist"];
const ADMIN = ["admin"];

/** Every screen: its address, its view, who may open it, and its navigation entry (if any). */
const SCREENS = [
  { path: "/signin", view: signin, access: "guest" },
  { path: "/caseload", view: caseload, nav: "caseload", roles: THERAPIST },
  { path: "/visits", view: visits, nav: "visits", roles: THERAPIST },
  { path: "/visits/:id", view: visit, section: "visits", roles: STAFF },
  { path: "/screening", view: screeningRequests, nav: "screening", roles: STAFF },
  { path: "/screening/:id", view: screeningRequest, section: "screening", roles: STAFF },
  { path: "/patients", view: patients, nav: "patients", roles: STAFF },
  { path: "/patients/:id", view: patientOverview, section: "patients", roles: STAFF },
  { path: "/patients/:id/program", view: patientProgram, section: "patients", roles: STAFF },
  { path: "/patients/:id/measures", view: patientMeasures, section: "patients", roles: STAFF },
  { path: "/patients/:id/record", view: patientRecord, section: "patients", roles: STAFF },
  { path: "/library", view: library, nav: "library", roles: STAFF },
  { path: "/templates", view: templates, nav: "templates", roles: STAFF },
  { path: "/therapists", view: therapists, nav: "therapists", roles: ADMIN },
  { path: "/audit", view: audit, nav: "audit", roles: ADMIN },
];

setPrefix("/clinic");
for (const screen of SCREENS) route(screen.path, screen.view, screen);

const root = document.getElementById("app");
const main = h("main", { id: "main", tabindex: "-1" });
const nav = h("nav", { class: "menu", "aria-label": "" });
const who = h("div", { class: "who" });
const live = h("div", { id: "live", class: "visually-hidden", "aria-live": "polite" });
const skip = h("a", { class: "skip", href: "#main" });
const brand = h("a", { class: "brand", href: "/clinic/" });
let firstRender = true;
let renders = 0;

function layout() {
  skip.textContent = t("nav.skip");
  brand.textContent = t("app.shortName");
  nav.setAttribute("aria-label", t("nav.label"));
  if (!root.contains(main)) root.replaceChildren(skip, h("header", { class: "top" }, brand, nav, who), main, live);
}

function drawNav(current) {
  const role = session.user?.role;
  const entries = SCREENS.filter((screen) => screen.nav && screen.roles.includes(role));
  nav.hidden = !entries.length;
  nav.replaceChildren(h("ul", {}, entries.map((screen) =>
    h("li", {}, h("a", { href: `/clinic${screen.path}`, "aria-current": screen.nav === current ? "page" : null }, t(`nav.${screen.nav}`))))));
}

function drawWho() {
  if (!session.user) return who.replaceChildren(languagePicker());
  const out = h("button", { type: "button", class: "link" }, t("nav.signOut"));
  out.addEventListener("click", async () => {
    await sessions.signOut();
    navigate("/clinic/signin");
  });
  who.replaceChildren(languagePicker(),
    h("span", { class: "name" }, t("nav.signedInAs", { name: `${session.user.first_name} ${session.user.last_name}` })), out);
}

function languagePicker() {
  const select = h("select", { "aria-label": t("language.label"), class: "language" },
    i18n.LANGUAGES.map((code) => h("option", { value: code, selected: code === i18n.lang() }, t(`language.${code}`))));
  select.addEventListener("change", async () => {
    await i18n.setLanguage(select.value);
    focusAfterRedraw.id = null;
    render({ focus: false });
  });
  return select;
}

/** Draw the page for the current address. `focus`: move focus to its heading (after navigating). */
async function render({ focus = true } = {}) {
  const number = ++renders;
  const url = new URL(location.href);
  if (url.pathname === "/clinic/" || url.pathname === "/clinic") {
    return navigate(session.user ? home() : "/clinic/signin", { replace: true });
  }
  const found = match(url.pathname);
  if (found?.access === "member" && !session.user) {
    return navigate(`/clinic/signin?next=${encodeURIComponent(url.pathname + url.search)}`, { replace: true });
  }
  if (found?.access === "guest" && sessions.isStaff()) return navigate(home(), { replace: true });
  layout();
  drawNav(found?.nav || found?.section);
  drawWho();
  const focusedId = !focus && main.contains(document.activeElement) ? document.activeElement.id : null;
  const view = h("div", { class: "view" });
  main.replaceChildren(view);
  const refresh = () => render({ focus: false });
  try {
    if (!found) page(view, t("notFound.title"), h("p", {}, h("a", { href: "/clinic/" }, t("notFound.back"))));
    else if (found.access === "member" && !found.roles.includes(session.user.role)) notForYou(view);
    else await found.view(view, { params: found.params, query: url.searchParams, refresh });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      sessions.forget();
      return navigate(`/clinic/signin?next=${encodeURIComponent(url.pathname)}`, { replace: true });
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

function notForYou(view) {
  const patient = session.user.role === "patient";
  page(view, t("notForYou.title"), h("p", {}, t(patient ? "notForYou.patient" : "notForYou.role")),
    h("p", {}, patient ? h("a", { href: "/app/today" }, t("notForYou.toApp")) : h("a", { href: home() }, t("notFound.back"))));
}

async function boot() {
  await i18n.init(new URL("./i18n/", import.meta.url));
  await sessions.load();
  start(render);
}

boot();
