// A small history router for /app/...: a table of paths, each with a view and who may see it.

export const PREFIX = "/app";
const routes = [];
let onChange = () => {};

/**
 * route("/visits/:id", view, {access}) where access is "patient" (signed-in patients; the default),
 * "guest" (people not signed in: sign-in, invitation) or "anyone" (links from emails).
 */
export function route(path, view, { access = "patient", nav = null } = {}) {
  const keys = [];
  const pattern = path.replace(/:(\w+)/g, (_, key) => {
    keys.push(key);
    return "([^/]+)";
  });
  routes.push({ path, view, access, nav, keys, regex: new RegExp(`^${PREFIX}${pattern}/?$`) });
}

export function match(pathname) {
  for (const entry of routes) {
    const found = entry.regex.exec(pathname);
    if (found) {
      const params = Object.fromEntries(entry.keys.map((key, i) => [key, decodeURIComponent(found[i + 1])]));
      return { ...entry, params };
    }
  }
  return null;
}

export function routePaths() {
  return routes.map((entry) => entry.path);
}

export function navigate(url, { replace = false } = {}) {
  const target = new URL(url, location.origin);
  if (replace) history.replaceState(null, "", target);
  else history.pushState(null, "", target);
  onChange();
}

/** Links inside the app change the view without reloading the page. */
export function start(render) {
  onChange = render;
  window.addEventListener("popstate", render);
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[href]");
    if (!link || event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    if (link.target || link.hasAttribute("download") || link.getAttribute("href").startsWith("#")) return;
    const url = new URL(link.href, location.origin);
    if (url.origin !== location.origin || !url.pathname.startsWith(`${PREFIX}/`)) return;
    event.preventDefault();
    navigate(url);
  });
  render();
}
