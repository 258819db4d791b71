// Web Push for this browser: the VAPID key from GET /push/vapid-public-key, the subscription from the
// browser's push service, registered with POST /me/push-subscriptions.

import * as api from "../shared/api.js";

const KEY = "telehealth.push";

export function supported() {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

function keyBytes(base64url) {
  const padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

function saved(userId) {
  try {
    const value = JSON.parse(localStorage.getItem(KEY) || "null");
    return value && value.user_id === userId ? value : null;
  } catch {
    return null;
  }
}

/** "unsupported", "blocked", "on" or "off" for this browser and user. */
export async function status(userId) {
  if (!supported()) return "unsupported";
  if (Notification.permission === "denied") return "blocked";
  const registration = await navigator.serviceWorker.getRegistration("/app/");
  const subscription = registration && (await registration.pushManager.getSubscription());
  return subscription && saved(userId) ? "on" : "off";
}

/** Ask permission, subscribe, and register the subscription with the backend. */
export async function turnOn(userId) {
  let key;
  try {
    key = (await api.get("/push/vapid-public-key")).public_key;
  } catch (error) {
    if (error instanceof api.ApiError && error.status === 404) return "not-configured";
    throw error;
  }
  const permission = await Notification.requestPermission();
  if (permission !== "granted") return "blocked";
  const registration = await navigator.serviceWorker.ready;
  const subscription = await registration.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: keyBytes(key),
  });
  const { endpoint, keys } = subscription.toJSON();
  const created = await api.post("/me/push-subscriptions", { endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth } });
  localStorage.setItem(KEY, JSON.stringify({ user_id: userId, id: created.id, endpoint }));
  return "on";
}

export async function turnOff(userId) {
  const registration = await navigator.serviceWorker.getRegistration("/app/");
  const subscription = registration && (await registration.pushManager.getSubscription());
  const mine = saved(userId);
  if (mine) await api.del(`/me/push-subscriptions/${mine.id}`);
  if (subscription) await subscription.unsubscribe();
  localStorage.removeItem(KEY);
  return "off";
}
