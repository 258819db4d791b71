// The message catalogs: shared/i18n/<language>.json holds what the shared modules say (errors), and
// each app's own i18n/<language>.json everything else it shows; one file per language in each place.

export const LANGUAGES = ["en", "es"];
const KEY = "telehealth.language";
const SHARED = new URL("./i18n/", import.meta.url);
let folders = [SHARED];
let language = "en";
let messages = {};
let fallback = {};

async function load(code) {
  const parts = await Promise.all(folders.map(async (folder) => (await fetch(new URL(`${code}.json`, folder))).json()));
  return Object.assign({}, ...parts);
}

function preferred() {
  const saved = localStorage.getItem(KEY);
  if (LANGUAGES.includes(saved)) return saved;
  const asked = (navigator.languages || [navigator.language || "en"]).map((l) => l.slice(0, 2).toLowerCase());
  return asked.find((code) => LANGUAGES.includes(code)) || "en";
}

/** `catalog`: the URL of the app's own i18n/ folder (with its trailing slash). */
export async function init(catalog) {
  folders = [SHARED, catalog];
  fallback = await load("en");
  await setLanguage(preferred(), { keep: false });
}

/** Switch language; the choice is kept on this device. */
export async function setLanguage(code, { keep = true } = {}) {
  if (!LANGUAGES.includes(code)) code = "en";
  messages = code === "en" ? fallback : await load(code);
  language = code;
  document.documentElement.lang = code;
  document.title = t("app.name");
  if (keep) localStorage.setItem(KEY, code);
}

export function lang() {
  return language;
}

/** t("today.done", {done: 1, planned: 3}); a `count` picks the plural form (key.one, key.other). */
export function t(key, vars = {}) {
  let text;
  if (typeof vars.count === "number") {
    const form = new Intl.PluralRules(language).select(vars.count);
    text = messages[`${key}.${form}`] ?? messages[`${key}.other`] ?? fallback[`${key}.${form}`] ?? fallback[`${key}.other`];
  }
  text = text ?? messages[key] ?? fallback[key];
  if (text === undefined) {
    console.warn(`missing message ${key}`);
    return key;
  }
  return text.replace(/\{(\w+)\}/g, (_, name) => (vars[name] ?? `{${name}}`).toString());
}

export function number(value, digits = 0) {
  return new Intl.NumberFormat(language, { maximumFractionDigits: digits }).format(value);
}

export function percent(rate) {
  return new Intl.NumberFormat(language, { style: "percent", maximumFractionDigits: 0 }).format(rate);
}
