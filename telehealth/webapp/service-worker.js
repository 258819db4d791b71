// The patient app's service worker (served at /app/sw.js, after the lines that set VERSION and
// PRECACHE). It keeps the app's own files so the app opens offline; it never stores API answers
// (patient data lives in the page's IndexedDB, cleared on sign-out). It also shows Web Push messages.
/* global VERSION, PRECACHE */

const CACHE = `telehealth-app-${VERSION}`;
const SHELL = "/app/";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("telehealth-app-") && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (request.mode === "navigate" && url.pathname.startsWith("/app/")) {
    // Network first, so a new version shows at once; the kept shell when there is no network.
    event.respondWith(fetch(request).catch(() => caches.match(SHELL, { cacheName: CACHE })));
    return;
  }
  if (PRECACHE.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname, { cacheName: CACHE }).then((hit) => hit || fetch(request)));
  }
});

function ownPage(link) {
  // Only pages of this app: a push names its link, but a notification never leads elsewhere.
  try {
    const url = new URL(link, self.location.origin);
    if (url.pathname.startsWith("/app/")) return new URL(url.pathname + url.search, self.location.origin).href;
  } catch {
    // not a URL: fall through to the default page
  }
  return new URL("/app/today", self.location.origin).href;
}

self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch {
    message = { body: event.data ? event.data.text() : "" };
  }
  event.waitUntil(self.registration.showNotification(message.title || "Telehealth PT", {
    body: message.body || "",
    icon: "/static/app/icons/icon-192.png",
    badge: "/static/app/icons/icon-192.png",
    data: { url: ownPage(message.url || "/app/today") },
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = event.notification.data?.url || ownPage("/app/today");
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    const open = windows.find((client) => new URL(client.url).pathname.startsWith("/app/"));
    if (open) {
      await open.focus();
      return open.navigate(target);
    }
    return self.clients.openWindow(target);
  })());
});
