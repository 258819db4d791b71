"""Settings, read once from the environment.

`TELEHEALTH_ENV` picks the class: development (default), test or production.
"""

from __future__ import annotations

import os
import tempfile
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("TELEHEALTH_INSTANCE_DIR", BASE_DIR / "instance"))

# Placeholder secret for development only; production refuses it.
DEV_SECRET_KEY = "dev-not-secret-change-me"  # noqa: S105  (a sentinel production refuses)


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _int(name: str, default: int) -> int:
    return int(_env(name, str(default)))  # type: ignore[arg-type]


def _flag(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _database_url() -> str:
    url = _env("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'telehealth.db'}"
    # Heroku-style URLs name the old driver; we ship psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    ENV_NAME = "development"
    SECRET_KEY = _env("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    REDIS_URL = _env("REDIS_URL")
    PUBLIC_BASE_URL = (_env("PUBLIC_BASE_URL", "http://localhost:5000") or "").rstrip("/")
    # Reverse proxies in front of gunicorn whose X-Forwarded-For / -Proto are trusted.
    TRUSTED_PROXY_COUNT = _int("TRUSTED_PROXY_COUNT", 0)

    # Mail (Flask-Mailman). No SMTP_HOST: emails go to the log.
    SMTP_HOST = _env("SMTP_HOST")
    MAIL_SERVER = SMTP_HOST or "localhost"
    MAIL_PORT = _int("SMTP_PORT", 25)
    MAIL_DEFAULT_SENDER = _env("MAIL_FROM", "Telehealth PT <no-reply@telehealth.local>")
    MAIL_BACKEND = "smtp" if SMTP_HOST else "console"
    MAIL_TIMEOUT = 10

    # Sessions and tokens.
    SESSION_COOKIE_NAME = "telehealth_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
    API_TOKEN_LIFETIME = timedelta(days=_int("API_TOKEN_DAYS", 30))
    INVITATION_LIFETIME = timedelta(days=_int("INVITATION_DAYS", 7))
    PASSWORD_RESET_LIFETIME = timedelta(hours=2)
    EMAIL_CHANGE_LIFETIME = timedelta(hours=24)

    # argon2id; RFC 9106's second recommended option (64 MiB, t=3, p=4).
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    ARGON2_PARALLELISM = 4

    # Rate limits (Flask-Limiter). Redis storage whenever Redis is configured.
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    # Retry-After belongs on 429 alone (set in telehealth/errors.py), not on every answer.
    RATELIMIT_HEADERS_ENABLED = False
    # Redis down must not take sign-in down with it: count in memory until it is back.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    LOGIN_FAILURE_LIMIT = _env("LOGIN_FAILURE_LIMIT", "5 per 15 minutes")
    LOGIN_FAILURE_LIMIT_PER_ADDRESS = _env("LOGIN_FAILURE_LIMIT_PER_ADDRESS", "30 per 15 minutes")
    PASSWORD_RESET_LIMIT = _env("PASSWORD_RESET_LIMIT", "5 per hour")
    PASSWORD_RESET_LIMIT_PER_ADDRESS = _env("PASSWORD_RESET_LIMIT_PER_ADDRESS", "20 per hour")
    # Failed uses of an emailed link's token (invitation, reset, email change) per address; successes free.
    TOKEN_FAILURE_LIMIT_PER_ADDRESS = _env("TOKEN_FAILURE_LIMIT_PER_ADDRESS", "20 per hour")
    # Wrong current passwords at POST /me/password, per signed-in user.
    PASSWORD_CHANGE_FAILURE_LIMIT = _env("PASSWORD_CHANGE_FAILURE_LIMIT", "5 per 15 minutes")

    MAX_CONTENT_LENGTH = 2 * 1024 * 1024

    # Celery: Redis when configured, else a broker on the local filesystem.
    CELERY_BROKER_URL = REDIS_URL or "filesystem://localhost/"  # the host only quiets kombu
    CELERY_BROKER_DIR = INSTANCE_DIR / "broker"

    # The clinic's own clock: RTM management minutes are counted per calendar month in this zone.
    CLINIC_TIMEZONE = _env("CLINIC_TIMEZONE", "America/New_York")
    # FHIR Bulk Data exports: files under the instance folder, downloadable for this long.
    FHIR_EXPORT_DIR = INSTANCE_DIR / "fhir-exports"
    FHIR_EXPORT_LIFETIME = timedelta(hours=24)
    # Where our own FHIR code systems (docs/fhir.md) are named from.
    FHIR_CODE_SYSTEM_BASE = (
        _env("FHIR_CODE_SYSTEM_BASE", "https://telehealth-pt.example/fhir") or ""
    ).rstrip("/")

    # Self-booking and free screenings (telehealth/scheduling). Off: those endpoints answer 404.
    SELF_BOOKING_ENABLED = _flag("SELF_BOOKING_ENABLED", True)
    SCREENING_REQUESTS_ENABLED = _flag("SCREENING_REQUESTS_ENABLED", True)
    # Open slots start this long from now at the earliest, and reach this far ahead.
    BOOKING_LEAD_MINUTES = _int("BOOKING_LEAD_MINUTES", 120)
    SLOT_HORIZON = timedelta(days=14)
    # An unconfirmed screening request holds its slot this long; its confirmation link lives longer.
    SCREENING_HOLD = timedelta(minutes=30)
    SCREENING_CONFIRM_LIFETIME = timedelta(hours=24)
    # Accepted screening requests per email and per address (public intake); only accepted ones count.
    SCREENING_REQUEST_LIMIT_PER_EMAIL = _env("SCREENING_REQUEST_LIMIT_PER_EMAIL", "3 per day")
    SCREENING_REQUEST_LIMIT_PER_ADDRESS = _env("SCREENING_REQUEST_LIMIT_PER_ADDRESS", "50 per hour")

    # Reminders (telehealth/reminders).
    REMINDER_SCAN_SECONDS = _int("REMINDER_SCAN_SECONDS", 60)
    REMINDER_MAX_LATENESS = timedelta(hours=2)
    REMINDER_MAX_ATTEMPTS = 5
    REMINDER_RETRY_BASE_SECONDS = _int("REMINDER_RETRY_BASE_SECONDS", 30)
    REMINDER_STUCK_AFTER = timedelta(minutes=5)
    REMINDER_BATCH_SIZE = 50
    REMINDER_SCAN_LIMIT = 2000
    REMINDER_SMS_DAILY_CAP = _int("REMINDER_SMS_DAILY_CAP", 3)
    # Web Push (VAPID) and SMS (Twilio's REST API; the base URL is configurable for tests).
    VAPID_PRIVATE_KEY = _env("VAPID_PRIVATE_KEY")
    VAPID_CLAIMS_EMAIL = _env("VAPID_CLAIMS_EMAIL")
    TWILIO_BASE_URL = (_env("TWILIO_BASE_URL", "https://api.twilio.com") or "").rstrip("/")
    TWILIO_ACCOUNT_SID = _env("TWILIO_ACCOUNT_SID")
    TWILIO_AUTH_TOKEN = _env("TWILIO_AUTH_TOKEN")
    TWILIO_FROM_NUMBER = _env("TWILIO_FROM_NUMBER")
    PROVIDER_TIMEOUT_SECONDS = 10

    # The ODI's licensed answer wording, if the clinic provides it (telehealth/measures/odi_form.py).
    ODI_FORM_FILE = _env("ODI_FORM_FILE")

    # Video visits: Jitsi Meet by default; a JWT rides on the join URL when both app keys are set.
    VIDEO_PROVIDER = _env("VIDEO_PROVIDER", "jitsi")
    JITSI_BASE_URL = (_env("JITSI_BASE_URL", "https://meet.jit.si") or "").rstrip("/")
    JITSI_APP_ID = _env("JITSI_APP_ID")
    JITSI_APP_SECRET = _env("JITSI_APP_SECRET")

    # APIFlask / OpenAPI.
    TITLE = "Telehealth PT API"
    VERSION = "1.0.0"
    SPEC_PATH = "/openapi.json"
    # Relative: the cached document must not name the host of whoever asked for it first.
    SERVERS = [{"url": "/", "description": "The server this document came from"}]
    # info.description: how to sign in, errors, lists, idempotency (Markdown, shown atop /docs).
    DESCRIPTION = (BASE_DIR / "telehealth" / "apidocs" / "intro.md").read_text(encoding="utf-8")
    VALIDATION_ERROR_STATUS_CODE = 422
    AUTO_404_RESPONSE = False
    CONTACT = {"name": "Telehealth PT backend team"}

    LOG_LEVEL = _env("LOG_LEVEL", "INFO")
    # One line per request and per task: `json` (production's default) or `text` (readable).
    LOG_FORMAT = _env("LOG_FORMAT", "text")

    # Prometheus (telehealth/ops/metrics.py): served on a port of its own by the gunicorn master
    # and by the worker's main process, never by the API. Unset: no metrics server.
    METRICS_PORT = _env("METRICS_PORT")
    METRICS_ADDRESS = _env("METRICS_ADDRESS", "127.0.0.1")
    # When set, a scrape must send `Authorization: Bearer <METRICS_TOKEN>`.
    METRICS_TOKEN = _env("METRICS_TOKEN")

    # Optional error reports and traces (telehealth/ops/telemetry.py); off unless set.
    SENTRY_DSN = _env("SENTRY_DSN")
    SENTRY_TRACES_SAMPLE_RATE = float(_env("SENTRY_TRACES_SAMPLE_RATE", "0") or 0)
    OTEL_EXPORTER_OTLP_ENDPOINT = _env("OTEL_EXPORTER_OTLP_ENDPOINT")
    OTEL_SERVICE_NAME = _env("OTEL_SERVICE_NAME", "telehealth")

    # celery beat touches this file on every tick; its health check reads the file's age.
    BEAT_HEARTBEAT_FILE = Path(_env("BEAT_HEARTBEAT_FILE", str(INSTANCE_DIR / "beat-heartbeat")) or "")


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    SESSION_COOKIE_SECURE = False


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SENTRY_DSN = None
    OTEL_EXPORTER_OTLP_ENDPOINT = None
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    REDIS_URL = None
    RATELIMIT_STORAGE_URI = "memory://"
    CELERY_BROKER_URL = "memory://"
    MAIL_BACKEND = "locmem"
    PUBLIC_BASE_URL = "https://app.test"
    FHIR_EXPORT_DIR = Path(tempfile.gettempdir()) / "telehealth-test-fhir-exports"
    # Cheap hashing keeps the suite fast; production keeps the real cost.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1


class ProductionConfig(Config):
    ENV_NAME = "production"
    LOG_FORMAT = _env("LOG_FORMAT", "json")


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def get_config(name: str | None = None) -> type[Config]:
    name = name or _env("TELEHEALTH_ENV", "development")
    try:
        return CONFIGS[name]  # type: ignore[index]
    except KeyError:
        raise RuntimeError(f"TELEHEALTH_ENV must be one of {sorted(CONFIGS)}, not {name!r}") from None
