// Local dates and instants in the patient's time zone (patient.timezone), whatever the device's zone.

import { lang } from "./i18n.js";

export function deviceZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

function parts(zone, instant) {
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
  });
  const out = {};
  for (const part of format.formatToParts(instant)) out[part.type] = Number(part.value);
  return out;
}

/** YYYY-MM-DD of an instant in a zone. */
export function localDate(zone, instant = new Date()) {
  const p = parts(zone, instant);
  return `${p.year}-${String(p.month).padStart(2, "0")}-${String(p.day).padStart(2, "0")}`;
}

export function addDays(isoDate, days) {
  const [y, m, d] = isoDate.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

function offsetMinutes(zone, instant) {
  const p = parts(zone, instant);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return Math.round((wall - instant.getTime()) / 60000);
}

/** The instant a zone's clock reads `hour`:00 on a local date (noon is never inside a DST change). */
export function instantAt(zone, isoDate, hour = 12) {
  const [y, m, d] = isoDate.split("-").map(Number);
  const guess = Date.UTC(y, m - 1, d, hour);
  return new Date(guess - offsetMinutes(zone, new Date(guess)) * 60000);
}

function dateOnly(isoDate) {
  const [y, m, d] = isoDate.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d, 12));
}

export function formatDay(isoDate, options = { weekday: "long", day: "numeric", month: "long" }) {
  return new Intl.DateTimeFormat(lang(), { ...options, timeZone: "UTC" }).format(dateOnly(isoDate));
}

export function formatDateTime(instant, zone, options = { dateStyle: "full", timeStyle: "short" }) {
  return new Intl.DateTimeFormat(lang(), { ...options, timeZone: zone }).format(new Date(instant));
}
