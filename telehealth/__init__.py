"""The telehealth API: create_app() builds it, nothing happens at import."""

from __future__ import annotations

from typing import Any

from apiflask import APIFlask

from config import DEV_SECRET_KEY, INSTANCE_DIR, get_config


def create_app(config_name: str | None = None, overrides: dict[str, Any] | None = None) -> APIFlask:
    config = get_config(config_name)
    app = APIFlask(
        "telehealth",
        title=config.TITLE,
        version=config.VERSION,
        spec_path="/openapi.json",
        docs_path=None,  # /docs is ours (telehealth/apidocs): Swagger UI from our own files
        docs_oauth2_redirect_path=None,
        instance_path=str(INSTANCE_DIR),
    )
    app.config.from_object(config)
    app.config.update(overrides or {})
    _refuse_unsafe_production(app)
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)

    from telehealth.web import configure_logging, register_hooks

    configure_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_errors(app)
    register_hooks(app)
    register_cli(app)
    return app


def _refuse_unsafe_production(app: APIFlask) -> None:
    if app.config["ENV_NAME"] != "production":
        return
    key = app.config.get("SECRET_KEY")
    if not key or key == DEV_SECRET_KEY or len(key) < 32:
        raise RuntimeError("SECRET_KEY must be set to a random value of 32+ characters in production")


def register_extensions(app: APIFlask) -> None:
    from telehealth.accounts import security
    from telehealth.extensions import db, limiter, mail, migrate
    from telehealth.jobs import celery_init_app

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    security.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    celery_init_app(app)


BLUEPRINT_MODULES = (
    "telehealth.accounts.routes",
    "telehealth.patients.routes",
    "telehealth.programs.routes",
    "telehealth.progress.routes",
    "telehealth.measures.routes",
    "telehealth.visits.routes",
    "telehealth.reminders.routes",
    "telehealth.dashboard.routes",
    "telehealth.audit.routes",
    "telehealth.ops.routes",
    "telehealth.apidocs.routes",
    "telehealth.webapp.routes",
)


def register_blueprints(app: APIFlask) -> None:
    from importlib import import_module

    for name in BLUEPRINT_MODULES:
        app.register_blueprint(import_module(name).bp)


def register_errors(app: APIFlask) -> None:
    from telehealth.errors import register_errors as register

    register(app)


def register_cli(app: APIFlask) -> None:
    from telehealth.cli import register_cli as register

    register(app)
