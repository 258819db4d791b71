// Progress logs wait in IndexedDB ("outbox") under their client UUID until POST /progress-logs/batch
// has them. Sending twice never makes two rows: the API answers "duplicate" for an id it already has.

import * as api from "../shared/api.js";
import * as store from "./store.js";
import { session } from "./session.js";

export const events = new EventTarget();
export const state = { lastError: null };
const BATCH = 500; // the API's limit per request
let running = null;

export function newId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Keep a log on the device (committed before this returns), then try to send it. */
export async function queue(patientId, date, log) {
  await store.put("outbox", { id: log.id, patient_id: patientId, date, log, state: "waiting", queued_at: Date.now() });
  events.dispatchEvent(new Event("change"));
  trySync();
}

export async function items(patientId) {
  return (await store.all("outbox")).filter((item) => item.patient_id === patientId);
}

export async function waiting(patientId) {
  return (await items(patientId)).filter((item) => item.state === "waiting");
}

export async function dismiss(id) {
  await store.remove("outbox", id);
  events.dispatchEvent(new Event("change"));
}

/** One sync at a time in this tab, and (Web Locks) across tabs; safe to call as often as you like. */
export function trySync() {
  if (!running) {
    const work = () => send();
    running = (navigator.locks ? navigator.locks.request("telehealth-outbox", work) : work()).finally(() => {
      running = null;
    });
  }
  return running;
}

async function send() {
  const patientId = session.user?.patient_id;
  if (!patientId) return;
  const pending = await waiting(patientId);
  if (!pending.length) return;
  let stored = 0;
  for (let start = 0; start < pending.length; start += BATCH) {
    const chunk = pending.slice(start, start + BATCH);
    let answer;
    try {
      answer = await api.post(`/patients/${patientId}/progress-logs/batch`, { logs: chunk.map((item) => item.log) });
    } catch (error) {
      // Offline, signed out or a server hiccup: every log stays, and goes with the next try.
      state.lastError = error;
      events.dispatchEvent(new Event("change"));
      return;
    }
    state.lastError = null;
    const byId = new Map(chunk.map((item) => [item.id, item]));
    for (const result of answer.results) {
      const item = byId.get(result.id);
      if (!item) continue;
      if (result.status === "created" || result.status === "duplicate") {
        await store.remove("outbox", item.id);
        stored += 1;
      } else {
        // Refused for good (too old, changed assignment): kept and shown, never dropped silently.
        await store.put("outbox", { ...item, state: "rejected", status: result.status, errors: result.errors || {} });
      }
    }
  }
  events.dispatchEvent(new Event("change"));
  if (stored) events.dispatchEvent(new CustomEvent("synced", { detail: { stored } }));
}

export function start() {
  window.addEventListener("online", () => trySync());
  // A log that could not go (server busy, session ended) is tried again while the app is open.
  setInterval(() => {
    if (navigator.onLine) trySync();
  }, 30000);
  trySync();
}
