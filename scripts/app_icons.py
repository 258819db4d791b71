"""Render the patient app's icon (telehealth/static/app/icons/icon.svg) to the PNG sizes the web app
manifest names, with Debian's Chromium through Playwright:

    .venv/bin/python scripts/app_icons.py
"""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import sync_playwright

ICONS = Path(__file__).resolve().parent.parent / "telehealth" / "static" / "app" / "icons"
CHROMIUM = os.environ.get("TELEHEALTH_CHROMIUM", "/usr/bin/chromium")


def main() -> None:
    svg = (ICONS / "icon.svg").read_text(encoding="utf-8")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for size in (192, 512):
            page = browser.new_page(viewport={"width": size, "height": size})
            # The icon fills the square: "maskable" launchers crop a circle out of its middle.
            page.set_content(
                "<style>html,body{margin:0}svg{width:100vw;height:100vh;display:block}</style>"
                + svg.replace('rx="14"', 'rx="0"')
            )
            page.screenshot(path=str(ICONS / f"icon-{size}.png"))
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
