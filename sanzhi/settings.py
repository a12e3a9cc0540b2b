"""Django settings, read from the environment (see README: "Deploy on PostgreSQL").

SANZHI_DEBUG           off unless set (the demo sets it only for its own process if asked)
DATABASE_URL           default: sqlite file var/sanzhi.sqlite3
SANZHI_SECRET_KEY[_FILE]  required when DEBUG is off, except for the SQLite demo/test (a key is kept in var/)
SANZHI_ALLOWED_HOSTS   comma-separated
SANZHI_HTTPS           true behind TLS (secure cookies, HSTS, redirect); default true when DEBUG is off
SANZHI_TICK_SECONDS    escalation tick period in `sanzhi worker` (default 60; 0 = off)
SANZHI_NOTIFY_EMAIL    e-mail copies of inbox messages; server: SANZHI_EMAIL_HOST/_PORT/_USER/_TLS/_FROM,
                       SANZHI_EMAIL_PASSWORD[_FILE]
"""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from sanzhi.core.env import envbool, envint, envlist, envsecret, envstr

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envstr("SANZHI_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = envbool("SANZHI_DEBUG", False)


def _secret_key() -> str:
    if key := envsecret("SANZHI_SECRET_KEY"):
        return key
    # A single-machine install (demo, tests, a township on SQLite) keeps its generated key in var/.
    keyfile = VAR_DIR / "secret_key"
    if not keyfile.exists():
        keyfile.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        keyfile.chmod(0o600)
    return keyfile.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = envlist("SANZHI_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("SANZHI_CSRF_TRUSTED_ORIGINS", [])

HTTPS = envbool("SANZHI_HTTPS", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = envint("SANZHI_HSTS_SECONDS", 31536000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "rules.apps.AutodiscoverRulesConfig",
    "treebeard",
    "django_tasks",
    "django_tasks_db",
    "sanzhi.core",
    "sanzhi.accounts",
    "sanzhi.grids",
    "sanzhi.people",
    "sanzhi.tickets",
    "sanzhi.points",
    "sanzhi.disclosure",
    "sanzhi.deliberation",
    "sanzhi.reports",
    "sanzhi.api",
    "sanzhi.web",
    "sanzhi.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "sanzhi.urls"
WSGI_APPLICATION = "sanzhi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", f"sqlite:///{VAR_DIR / 'sanzhi.sqlite3'}"),
        conn_max_age=envint("SANZHI_DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while an import or the worker writes; IMMEDIATE avoids
    # deadlocked upgrades from read to write locks.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failed logins per (username) and per (client address) inside the window before refusing.
LOGIN_THROTTLE_LIMIT = envint("SANZHI_LOGIN_THROTTLE_LIMIT", 5)
LOGIN_THROTTLE_WINDOW_SECONDS = envint("SANZHI_LOGIN_THROTTLE_WINDOW", 900)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "sanzhi" / "locale"]
TIME_ZONE = "Asia/Shanghai"
# The working-time clock of ticket time limits (sanzhi.core.workcalendar): one window per working day,
# local wall-clock time in TIME_ZONE; holidays and make-up days are data (core.CalendarDay).
SANZHI_WORKDAY_START = envstr("SANZHI_WORKDAY_START", "09:00")
SANZHI_WORKDAY_END = envstr("SANZHI_WORKDAY_END", "17:00")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Present before the first collectstatic, so whitenoise does not warn on every start.
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "sanzhi.core.staticfiles.StaticStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"
# Registry spreadsheets of a whole township are large; the import page streams them to disk.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
SANZHI_IMPORT_MAX_UPLOAD_BYTES = envint("SANZHI_IMPORT_MAX_UPLOAD_BYTES", 200 * 1024 * 1024)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "sanzhi.api.errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "sanzhi.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Sanzhi API (三治)",
    "DESCRIPTION": _("三治基层治理平台接口。错误统一为 {code, message, data}。"),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and Redoc are served from the drf-spectacular-sidecar package: the docs work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
}

TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}
# The escalation tick that `sanzhi worker` runs (seconds between ticks; 0 turns it off).
SANZHI_TICK_SECONDS = envint("SANZHI_TICK_SECONDS", 60)
# E-mail copies of inbox messages (站内消息), sent after commit to users with an address.
SANZHI_NOTIFY_EMAIL = envbool("SANZHI_NOTIFY_EMAIL", False)
EMAIL_HOST = envstr("SANZHI_EMAIL_HOST", "localhost")
EMAIL_PORT = envint("SANZHI_EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("SANZHI_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = envsecret("SANZHI_EMAIL_PASSWORD") or ""
EMAIL_USE_TLS = envbool("SANZHI_EMAIL_TLS", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = envstr("SANZHI_EMAIL_FROM", "sanzhi@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": envstr("SANZHI_LOG_LEVEL", "INFO")},
    # WeasyPrint narrates every PDF step at INFO; only its warnings belong in the log.
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
