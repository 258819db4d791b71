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

    from telehealth.ops import logs

    logs.configure(app)
    register_extensions(app)
    register_receivers(app)
    register_blueprints(app)
    register_http(app)
    register_ops(app)
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


def register_blueprints(app: APIFlask) -> None:
    from telehealth.accounts.routes import bp as accounts
    from telehealth.apidocs.routes import bp as apidocs
    from telehealth.audit.routes import bp as audit
    from telehealth.clinic.routes import bp as clinic
    from telehealth.dashboard.routes import bp as dashboard
    from telehealth.fhir.routes import bp as fhir
    from telehealth.measures.routes import bp as measures
    from telehealth.ops.routes import bp as ops
    from telehealth.patients.routes import bp as patients
    from telehealth.programs.routes import bp as programs
    from telehealth.progress.routes import bp as progress
    from telehealth.reminders.routes import bp as reminders
    from telehealth.rtm.routes import bp as rtm
    from telehealth.scheduling.routes import bp as scheduling
    from telehealth.visits.routes import bp as visits
    from telehealth.webapp.routes import bp as webapp

    for blueprint in (
        accounts,
        patients,
        programs,
        progress,
        measures,
        visits,
        scheduling,
        reminders,
        dashboard,
        rtm,
        fhir,
        audit,
        ops,
        apidocs,
        webapp,
        clinic,
    ):
        app.register_blueprint(blueprint)


def register_receivers(app: APIFlask) -> None:
    from telehealth.reminders import service as reminders

    reminders.init_app(app)


def register_http(app: APIFlask) -> None:
    from telehealth import http

    http.init_app(app)


def register_ops(app: APIFlask) -> None:
    from telehealth import ops

    ops.init_app(app)  # after the HTTP hooks: its timers start before theirs


def register_cli(app: APIFlask) -> None:
    from telehealth.cli import register_cli as register

    register(app)
