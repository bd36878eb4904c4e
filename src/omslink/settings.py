"""All configuration, read from the environment (CONTRACT §1).

Secrets that must survive restarts (Django's signing key, the keys that encrypt secrets at rest)
are generated once into the data dir with mode 0600 unless the environment provides them.
"""

from __future__ import annotations

import math
import os
import secrets
from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet

from omslink.core.private_files import private_dir, sqlite_file_private

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = private_dir(Path(os.environ.get("OMSLINK_DATA_DIR", "./.omslink")).resolve())


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _secret_file(name: str, generate: str) -> str:
    """Read a generated secret from the data dir, creating it (mode 0600) on first use."""
    path = DATA_DIR / name
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(generate + "\n")
    return generate


def _env_number(name: str, default: str) -> float:
    raw = os.environ.get(name, default)
    try:
        return float(raw)
    except ValueError as exc:
        raise SystemExit(f"{name} must be a number, got {raw!r}") from exc


def _env_positive(name: str, default: str, *, unit: str) -> float:
    value = _env_number(name, default)
    if not math.isfinite(value) or value <= 0:
        raise SystemExit(
            f"{name} must be a positive number of {unit}, got {os.environ.get(name, default)!r}"
        )
    return value


def _seconds_list(name: str, default: str) -> tuple[float, ...]:
    raw = os.environ.get(name, default)
    try:
        values = tuple(float(part) for part in raw.split(",") if part.strip())
    except ValueError as exc:
        raise SystemExit(f"{name} must be comma-separated seconds, got {raw!r}") from exc
    if not values or any(value < 0 for value in values):
        raise SystemExit(f"{name} must list at least one non-negative number of seconds")
    return values


SECRET_KEY = os.environ.get("OMSLINK_DJANGO_SECRET_KEY") or _secret_file(
    "django_secret_key", secrets.token_urlsafe(50)
)
OMSLINK_SECRET_KEYS: list[str] = [
    key.strip()
    for key in (
        os.environ.get("OMSLINK_SECRET_KEYS")
        or _secret_file("secret_keys", Fernet.generate_key().decode())
    ).split(",")
    if key.strip()
]
OMSLINK_ALLOW_PRIVATE_WEBHOOK_TARGETS = _env_flag("OMSLINK_ALLOW_PRIVATE_WEBHOOK_TARGETS")
OMSLINK_WEBHOOK_RETRY_SCHEDULE = _seconds_list(
    "OMSLINK_WEBHOOK_RETRY_SCHEDULE", "5,300,1800,7200,18000,36000,50400,72000,86400"
)
OMSLINK_WEBHOOK_TIMEOUT = _env_number("OMSLINK_WEBHOOK_TIMEOUT", "15")
# Days a settled (succeeded or abandoned) delivery, its attempts and its event are kept.
OMSLINK_WEBHOOK_RETENTION_DAYS = _env_positive(
    "OMSLINK_WEBHOOK_RETENTION_DAYS", "30", unit="days (fractions allowed)"
)
# OMS app connection tests one server process runs at once; more get 429 (each may wait up to
# the timeout on a slow far side, holding a server thread).
OMSLINK_CONNECTION_TESTS_AT_ONCE = int(_env_number("OMSLINK_CONNECTION_TESTS_AT_ONCE", "4"))
OMSLINK_INVOICE_DIR = DATA_DIR / "invoices"
# Largest spreadsheet `omslink import` and the import pages accept, in MiB.
OMSLINK_IMPORT_MAX_MB = _env_number("OMSLINK_IMPORT_MAX_MB", "100")
# Requests per second each token may make (per server process), and the burst it may save up.
# Above what one process serves, so an OMS's sale-day peak is never capped here; it stops a
# flood only on a larger machine (docs/benchmarks.md, production settings).
OMSLINK_API_RATE_LIMIT = _env_number("OMSLINK_API_RATE_LIMIT", "1000")
OMSLINK_API_RATE_BURST = _env_number("OMSLINK_API_RATE_BURST", "2000")

DEBUG = _env_flag("OMSLINK_DEBUG")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("OMSLINK_ALLOWED_HOSTS", "*").split(",")]
CSRF_TRUSTED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("OMSLINK_CSRF_TRUSTED_ORIGINS", "").split(",")
    if origin.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # ninja's templates and static files: the API docs page uses the Swagger UI it ships,
    # so the page works without internet and under the Content-Security-Policy.
    "ninja",
    "omslink.core",
    "omslink.accounts",
    "omslink.masters",
    "omslink.connected_apps",
    "omslink.inventory",
    "omslink.orders",
    "omslink.wholesale",
    "omslink.fulfilment",
    "omslink.returns",
    "omslink.webhooks",
    "omslink.spreadsheets",
    "omslink.web",
]

MIDDLEWARE = [
    "omslink.web.content_security_policy.ContentSecurityPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "omslink.core.middleware.ApiRequestGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "omslink.web.method_not_allowed.MethodNotAllowedPageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "omslink.urls"
WSGI_APPLICATION = "omslink.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "omslink.web.context_processors.operations",
            ],
        },
    },
]


def database_config(url: str | None) -> dict[str, object]:
    """Turn DATABASE_URL into Django's settings, SQLite tuned for one writer at a time."""
    if not url:
        url = f"sqlite:///{DATA_DIR / 'omslink.sqlite3'}"
    config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=60))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        if config["NAME"] and config["NAME"] != ":memory:":
            sqlite_file_private(Path(str(config["NAME"])))
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            # Writers queue on BEGIN IMMEDIATE instead of failing on lock upgrade.
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
            " PRAGMA foreign_keys=ON;",
        }
    else:
        config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {"default": database_config(os.environ.get("DATABASE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"
# Database sessions that know their user, so deactivation and password changes end them.
SESSION_ENGINE = "omslink.accounts.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Behind a TLS-terminating proxy (CONTRACT §10). The proxy must set X-Forwarded-Proto itself,
# overwriting whatever a client sent, or a client could claim HTTPS over plain HTTP.
OMSLINK_HTTPS = _env_flag("OMSLINK_HTTPS")
if OMSLINK_HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    # Load balancers probe the health check over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60

# The API guard answers 413 itself; Django's own limit is the backstop for page forms.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
OMSLINK_MAX_BODY_BYTES = 1024 * 1024

LANGUAGE_CODE = "en-in"
TIME_ZONE = os.environ.get("OMSLINK_TIME_ZONE", "Asia/Kolkata")
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": os.environ.get("OMSLINK_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's request logger prints request lines; we log our own, without headers.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        # httpx logs every request's full URL at INFO; a URL may carry a token in its query
        # string, and every webhook attempt is recorded in the database anyway.
        "httpx": {"level": "WARNING"},
        # fpdf2's font subsetting logs every glyph at INFO while rendering an invoice PDF.
        "fontTools": {"level": "WARNING"},
    },
}
