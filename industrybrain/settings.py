"""Settings, read from the environment (healthchecks style).

Everything an operator may change is an environment variable with a safe default for the embedded
set-up: SQLite and DuckDB files under INDUSTRYBRAIN_DATA_DIR.
"""

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent


def env_flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


DATA_DIR = Path(os.environ.get("INDUSTRYBRAIN_DATA_DIR", "data")).resolve()


def _secret_key() -> str:
    """Use SECRET_KEY when given; otherwise keep a random key beside the data so sessions survive restarts."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
DEBUG = env_flag("DEBUG")
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "industrybrain.core",
    "industrybrain.accounts",
    "industrybrain.registry",
    "industrybrain.datahub",
    "industrybrain.analytics",
    "industrybrain.evaluations",
    "industrybrain.servicedesk",
    "industrybrain.cockpit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "industrybrain.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "industrybrain.core.middleware.ChangeContextMiddleware",
]

ROOT_URLCONF = "industrybrain.urls"
WSGI_APPLICATION = "industrybrain.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "industrybrain.core.context_processors.scope",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'industrybrain.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets readers (web threads) run while an import writes; busy timeout instead of "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
# `serve` runs a fixed pool of waitress threads: each keeps its connection instead of opening one per request
# (about 1 ms of a cached cockpit answer's 6); a broken one is replaced before use.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Sessions are read on every request: from the process's cache first, the database behind it (one process serves).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "10"))
LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("LOGIN_FAILURE_WINDOW_SECONDS", "300"))
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise serves from here once `collectstatic` has run
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"

# Imports read whole files into memory for an all-or-nothing check; keep uploads bounded.
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "500000"))
# Two-step imports keep a checked file on the server until it is confirmed (core.pending), this long at most.
PENDING_UPLOADS_DIR = Path(os.environ.get("PENDING_UPLOADS_DIR", DATA_DIR / "pending-uploads"))
PENDING_UPLOAD_SECONDS = int(os.environ.get("PENDING_UPLOAD_SECONDS", "3600"))

# The analytical store (DESIGN §2): a DuckDB file beside the SQLite database unless set elsewhere.
ANALYTICS_DATABASE = Path(os.environ.get("ANALYTICS_DATABASE", DATA_DIR / "facts.duckdb"))
IMPORT_MAX_FACT_ROWS = int(os.environ.get("IMPORT_MAX_FACT_ROWS", "50000000"))
# Outlier flags on imported facts (warnings, never blocking): robust |z| of ln(value) among peers, and the
# year-on-year ratio either way.
OUTLIER_Z_LIMIT = float(os.environ.get("OUTLIER_Z_LIMIT", "5"))
OUTLIER_JUMP_RATIO = float(os.environ.get("OUTLIER_JUMP_RATIO", "5"))
# Enterprise service desk: extensions a lead department may ask for, how long before a deadline it is warned,
# and what an attachment may be.
SERVICEDESK_MAX_EXTENSION_DAYS = int(os.environ.get("SERVICEDESK_MAX_EXTENSION_DAYS", "10"))
SERVICEDESK_WARN_HOURS = int(os.environ.get("SERVICEDESK_WARN_HOURS", "24"))
SERVICEDESK_TICK_SECONDS = int(os.environ.get("SERVICEDESK_TICK_SECONDS", "300"))  # 0: leave it to cron
SERVICEDESK_MAX_ATTACHMENT_MB = int(os.environ.get("SERVICEDESK_MAX_ATTACHMENT_MB", "10"))
SERVICEDESK_ATTACHMENT_TYPES = (".pdf", ".jpg", ".jpeg", ".png", ".doc", ".docx", ".xls", ".xlsx", ".txt", ".zip")
# Mail (deadline warnings, 督办): files under DATA_DIR/mail unless an SMTP server is configured.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = Path(os.environ.get("EMAIL_FILE_PATH", DATA_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "service-desk@industrybrain.invalid")

# The cockpit's aggregate answers are cached this long (a new data version is shown at once regardless).
COCKPIT_CACHE_SECONDS = int(os.environ.get("COCKPIT_CACHE_SECONDS", "60"))
# The overview's service-desk card is rebuilt when a request changes, and at the latest this often (as open
# requests become overdue with time alone).
COCKPIT_LIVE_SECONDS = int(os.environ.get("COCKPIT_LIVE_SECONDS", "600"))

# Stored evaluation runs: each run's results and the input table it read, as Parquet files.
EVALUATIONS_DIR = Path(os.environ.get("EVALUATIONS_DIR", DATA_DIR / "evaluations"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "industrybrain.core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_ANON_RATE", "60/minute"),
        "user": os.environ.get("API_USER_RATE", "6000/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Industry Brain API",
    "DESCRIPTION": "产业大脑 REST API: registry of regions, industries and enterprises.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# One process serves (DESIGN §2), so its memory is the cache. LocMem's default of 300 entries is far too few: a
# province's cockpit alone keeps a few hundred answers (and their stale copies), and culling a third of them at
# random made busy screens rebuild answers over and over.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("CACHE_MAX_ENTRIES", "5000"))},
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
