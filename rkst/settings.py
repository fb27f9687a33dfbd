"""Settings of the RKST catalogue, read from the environment.

Every setting has a default that works on a developer's machine: an SQLite file next to
the code, DEBUG off. The README lists every variable.
"""

import os
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp import constants as csp
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_list(name, default):
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and env_bool("REQUIRE_SECRET_KEY", False):
        raise ImproperlyConfigured("SECRET_KEY must be set")
    # A fixed key is fine for a local catalogue; production sets SECRET_KEY.
    SECRET_KEY = "insecure-local-key-set-SECRET_KEY-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
USES_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if USES_POSTGRES:
    # The test database copies a template made with a UTF-8 locale (a C locale breaks
    # Cyrillic search); see .ci/run.
    DATABASES["default"]["TEST"] = {
        "CHARSET": "UTF8",
        "TEMPLATE": os.environ.get("DATABASE_TEST_TEMPLATE") or "template0",
    }
    # A server that does not answer is given up after a few seconds, not the system's
    # minutes, so that a read can be tried again (rkst.serving) or refused with a 503.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
# Write-ahead logging: readers are never blocked by a writer, so pages are served while a
# worker's import holds the single writer's lock for minutes.
SQLITE_OPTIONS = {
    "timeout": 20,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL",
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers wait for the lock instead of failing at once with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
    # Tests run on a file, as the catalogue does: SQLite's shared in-memory database locks
    # whole tables and refuses a second writer at once instead of making it wait.
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"rkst-test-{os.getpid()}.sqlite3")
    }

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    *(["django.contrib.postgres"] if USES_POSTGRES else []),
    "simple_history",
    "django_filters",
    # Before import_export: its `export` command is ours, which knows the sheets.
    "rkst",
    "import_export",
    "axes",
    "csp",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "actors",
    "agreements",
]

MIDDLEWARE = [
    "rkst.serving.ServingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Above whitenoise, so that static files get X-Frame-Options as every response does.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "rkst.security.SecurityLogMiddleware",
    # Before anything that may answer: a preflight of the API is answered here.
    "corsheaders.middleware.CorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "rkst.urls"
WSGI_APPLICATION = "rkst.wsgi.application"

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
                "rkst.context_processors.catalogue",
            ],
        },
    },
]

AUTH_USER_MODEL = "rkst.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English")), ("kk", _("Kazakh"))]
# Our catalogues come first: they fill the gaps of Django's and the libraries' Kazakh.
LOCALE_PATHS = [BASE_DIR / "locale"]
# Kazakh dates ("1998 ж. 6 шілде") and numbers; Django ships no Kazakh formats.
FORMAT_MODULE_PATH = ["rkst.formats"]
USE_I18N = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Moscow")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "media/"
# Dated data releases (`manage.py release_data`), listed and served at /data/: a directory
# every app server reads (a shared volume when there are several).
RELEASES_DIR = Path(os.environ.get("RELEASES_DIR") or MEDIA_ROOT / "releases")
# The catalogue's public address, for the links of files written outside a request (releases).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
STORAGES = {
    # Uploaded files (import spreadsheets) live in the database, reachable from every app
    # server and part of the backups.
    "default": {"BACKEND": "rkst.storage.DatabaseStorage"},
    "staticfiles": {
        "BACKEND": (
            # Hashed, compressed names need collectstatic first; production serving sets it.
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The optimistic lock of curated records (rkst.locking): a stale save raises our RecordChanged;
# the catalogue has no trigger-kept version.
CONCURRENCY_CALLBACK = "rkst.locking.refuse_stale_save"
CONCURRENCY_AUTO_CREATE_TRIGGERS = False

# The article the seed catalogue comes from, for the tests that check its quotes: beside the
# project by default; absent, those tests are skipped unless RKST_REQUIRE_ARTICLE is set.
ARTICLE_PATH = Path(
    os.environ.get("RKST_ARTICLE") or BASE_DIR.parent / "shared" / "sources" / "article.txt"
)
REQUIRE_ARTICLE = env_bool("RKST_REQUIRE_ARTICLE", False)

# Spreadsheet import (rkst.imports): limits checked before a file is parsed. Uploaded files
# are kept with their import in the default storage.
IMPORT_MAX_FILE_SIZE = int(os.environ.get("IMPORT_MAX_FILE_SIZE", 20 * 1024 * 1024))
IMPORT_MAX_UNCOMPRESSED_SIZE = int(
    os.environ.get("IMPORT_MAX_UNCOMPRESSED_SIZE", 200 * 1024 * 1024)
)
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", 100_000))
# Confirmations, and the preview of a file larger than this (bytes), run in a worker
# (`manage.py import_worker`), not in the request.
IMPORT_QUEUE_PREVIEW_SIZE = int(os.environ.get("IMPORT_QUEUE_PREVIEW_SIZE", 1024 * 1024))
# A worker running an import reports every IMPORT_HEARTBEAT seconds; one silent for
# IMPORT_WORKER_LEASE seconds is taken for dead, and its import is marked failed.
IMPORT_HEARTBEAT = float(os.environ.get("IMPORT_HEARTBEAT", "2"))
IMPORT_WORKER_LEASE = float(os.environ.get("IMPORT_WORKER_LEASE", "30"))
# The queue of background jobs (django-tasks): kept in the catalogue's database, so that no
# other server is needed; `manage.py import_worker` runs them.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_REVERT_DISABLED = True

# Serving on many app servers: nothing a request needs lives in one server's memory or disk.
# Sessions are in the database; the cache is per process unless REDIS_URL names a shared one
# (cached figures are keyed by the catalogue's version, read from the database, so a
# per-process cache never serves stale counts either).
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            # Django's Redis cache, computing pages without it while Redis is away.
            "BACKEND": "rkst.cache.ResilientRedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": "rkst",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Public pages rendered for anonymous readers are kept this long, and never past a change to
# the catalogue (their key holds its version); 0 turns the page cache off.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "600"))

# What a public list accepts (README, "The public catalogue"): anything beyond is dropped with
# a note before it reaches a query. Years of signing, founding and publication lie in this range.
CATALOGUE_YEARS = (1000, 2100)
# A search of more words or characters is cut: each word adds a few LIKE terms, and SQLite
# refuses an expression tree of about 500 of them.
SEARCH_MAX_WORDS = int(os.environ.get("SEARCH_MAX_WORDS", "10"))
SEARCH_MAX_CHARS = int(os.environ.get("SEARCH_MAX_CHARS", "200"))
# PostgreSQL: seconds a statement of a public page may run before it is cancelled and the reader
# gets the 503 page (rkst.serving.public_page); 0 leaves statements unbounded. SQLite ignores it.
PUBLIC_STATEMENT_TIMEOUT = float(os.environ.get("PUBLIC_STATEMENT_TIMEOUT", "5"))

# Public pages read the catalogue from a read replica when one is given.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    DATABASE_ROUTERS = ["rkst.serving.ReplicaRouter"]

# Security: login throttling, HTTPS, headers and the Content-Security-Policy (README,
# "Security"). Production serves HTTPS only and sets HTTPS=true: secure `__Host-` cookies,
# HSTS and the redirect to https. The default (false) keeps http://127.0.0.1 working.
HTTPS = env_bool("HTTPS", False)
if HTTPS and not os.environ.get("SECRET_KEY"):
    raise ImproperlyConfigured("HTTPS=true is production: set SECRET_KEY to a long random value")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
# The __Host- prefix makes browsers insist on Secure, Path=/ and no Domain.
SESSION_COOKIE_NAME = "__Host-sessionid" if HTTPS else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if HTTPS else "csrftoken"
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS") or (31536000 if HTTPS else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS = ["security.W021"]  # leaving the preload list is a choice
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips it from clients).
if env_bool("USE_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# A proxy that appends the client's address to X-Forwarded-For: login throttling reads it.
USE_X_FORWARDED_FOR = env_bool("USE_X_FORWARDED_FOR", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# django-axes: lock a username at one address after AXES_FAILURE_LIMIT failed logins, for
# AXES_COOLOFF_MINUTES; its state lives in the database, shared by every app server.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT") or 5)
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES") or 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no banner on every manage.py command
AXES_CLIENT_IP_CALLABLE = "rkst.security.client_ip_address"
AXES_LOCKOUT_CALLABLE = "rkst.security.lockout_response"

# django-csp: no inline script or style anywhere; templates link files from static/.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF],
        "img-src": [csp.SELF, "data:"],
        "object-src": [csp.NONE],
        "base-uri": [csp.NONE],
        "frame-ancestors": [csp.NONE],
        "form-action": [csp.SELF],
    },
}

# The read-only API at /api/v1/ (rkst.api; README, "The API"): JSON only, anonymous, every
# record read through the visibility layer. API_THROTTLE_RATE bounds each client address
# ("120/minute", "5000/day"; empty: no bound); the count lives in the cache (Redis when set).
API_THROTTLE_RATE = os.environ.get("API_THROTTLE_RATE", "120/minute")
API_MAX_PAGE_SIZE = 100
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": ["rkst.api.throttling.AnonymousThrottle"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Behind a proxy that appends the client's address, the throttle reads that one.
    "NUM_PROXIES": 1 if USE_X_FORWARDED_FOR else None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "RKST catalogue API",
    "DESCRIPTION": (
        "Read-only access to the published records of the catalogue of Russia–Kazakhstan "
        "scientific and technical cooperation: agreements, actors, projects, sources and "
        "topics, with their parties, relations, participants, figures and citations."
    ),
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    "ENUM_GENERATE_CHOICE_DESCRIPTION": True,
    # Stable names of the choice sets that several records share a field name for.
    "ENUM_NAME_OVERRIDES": {
        "AgreementKindEnum": "agreements.models.Agreement.Kind",
        "ActorKindEnum": "actors.models.Actor.Kind",
        "AliasKindEnum": "actors.models.ActorAlias.Kind",
        "ProjectKindEnum": "agreements.models.Project.Kind",
        "SourceKindEnum": "rkst.models.Source.Kind",
    },
}
# CORS (django-cors-headers): any site may read the API from a browser, without credentials;
# nothing else of the catalogue is shared across origins.
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_ALLOW_HEADERS = ("accept", "accept-language", "if-none-match")
CORS_EXPOSE_HEADERS = ("ETag",)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "rkst.logs.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "json": {"class": "logging.StreamHandler", "formatter": "json"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # One JSON line per request: method, path, status, milliseconds, bytes.
        "rkst.request": {
            "handlers": ["json"],
            "level": os.environ.get("REQUEST_LOG_LEVEL", "INFO"),
            "propagate": False,
        },
    },
}
