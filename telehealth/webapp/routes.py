"""/app/: the patient web app, served whole by the backend; no build step.

One HTML shell for every page under /app/ (the router in static/app/router.js picks the view),
ES modules and styles under static/app/, a service worker at /app/sw.js (so its scope is /app/)
and the web app manifest. The app reaches the backend only through /api/v1, like the mobile apps.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, redirect, render_template, url_for

bp = Blueprint("webapp", __name__)

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "static"
STATIC_APP = STATIC / "app"
# Modules and messages the app shares with the clinic console (api client, i18n, dom, charts...).
STATIC_SHARED = STATIC / "shared"
SHELL_TEMPLATE = ROOT / "templates" / "webapp" / "app.html"
SHARED_SHELL = ROOT / "templates" / "shell.html"  # what app.html extends
WORKER_SOURCE = Path(__file__).with_name("service-worker.js")
THEME_COLOR = "#0b6e69"
# Always asked again (cheap: ETags), so a new version of the app reaches phones on their next visit.
REVALIDATE = {"Cache-Control": "no-cache"}


def catalog(language: str) -> dict[str, str]:
    """The app's message catalog (static/app/i18n), the same file the browser reads."""
    return json.loads((STATIC_APP / "i18n" / f"{language}.json").read_text(encoding="utf-8"))


def app_files() -> list[Path]:
    """Every file the app is made of: its own, and the ones it shares with the clinic console."""
    folders = (STATIC_APP, STATIC_SHARED)
    return sorted(path for folder in folders for path in folder.rglob("*") if path.is_file())


def precache() -> list[str]:
    """What the service worker keeps for offline use: the shell, the manifest and every app file."""
    files = [url_for("static", filename=p.relative_to(STATIC).as_posix()) for p in app_files()]
    return [url_for("webapp.shell"), url_for("webapp.manifest"), *files]


def version() -> str:
    """Changes whenever any file the app is made of changes, so the service worker updates itself."""
    digest = hashlib.sha256()
    for path in [WORKER_SOURCE, SHARED_SHELL, SHELL_TEMPLATE, *app_files()]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@bp.get("/app")
def app_root() -> Response:
    return redirect(url_for("webapp.shell"), code=308)  # type: ignore[return-value]


@bp.get("/app/", defaults={"page": ""})
@bp.get("/app/<path:page>")
def shell(page: str) -> Response:
    html = render_template("webapp/app.html", en=catalog("en"), es=catalog("es"), theme=THEME_COLOR)
    return Response(html, mimetype="text/html", headers=REVALIDATE)


@bp.get("/app/sw.js")
def service_worker() -> Response:
    head = f"const VERSION = {json.dumps(version())};\nconst PRECACHE = {json.dumps(precache())};\n"
    body = head + WORKER_SOURCE.read_text(encoding="utf-8")
    return Response(body, mimetype="text/javascript", headers=REVALIDATE)


@bp.get("/app/manifest.webmanifest")
def manifest() -> Response:
    return Response(
        json.dumps(_manifest(), ensure_ascii=False), mimetype="application/manifest+json", headers=REVALIDATE
    )


def _icon(size: int) -> dict[str, str]:
    return {
        "src": url_for("static", filename=f"app/icons/icon-{size}.png"),
        "sizes": f"{size}x{size}",
        "type": "image/png",
        "purpose": "any maskable",
    }


def _manifest() -> dict[str, Any]:
    words = catalog("en")
    return {
        "id": url_for("webapp.shell"),
        "name": words["app.name"],
        "short_name": words["app.shortName"],
        "description": words["app.description"],
        "lang": "en",
        "start_url": url_for("webapp.shell", page="today"),
        "scope": url_for("webapp.shell"),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOR,
        "icons": [_icon(192), _icon(512)],
    }
