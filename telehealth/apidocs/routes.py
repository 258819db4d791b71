"""/docs: Swagger UI from the vendored copy, reading the OpenAPI document under /api/v1."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from telehealth.vendored import asset

# A plain Flask blueprint: the page itself is not an API operation.
bp = Blueprint("apidocs", __name__)
bp.add_app_template_global(asset, "vendored")


@bp.get("/docs")
def docs() -> str:
    return render_template(
        "apidocs/docs.html", title=current_app.config["TITLE"], version=current_app.config["VERSION"]
    )
