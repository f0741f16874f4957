"""Settings for the factory back office.

Everything is read from the environment (12-factor); the defaults run locally
with SQLite and an in-process cache. See the configuration table in README.md.
"""

import os
import tempfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
import dj_email_url
from corsheaders.defaults import default_headers as cors_default_headers
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", default=True)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off "
            "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    SECRET_KEY = "django-insecure-local-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "corsheaders",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "simple_history",
    "factory",
    "accounts",
    "customers",
    "employees",
    "products",
    "production",
    "orders",
    "purchasing",
    "reports",
    "demo",
    "django_q",
    "events",
]

MIDDLEWARE = [
    "factory.api.middleware.RequestSizeLimitMiddleware",
    "factory.api.middleware.NoStoreMiddleware",
    "factory.cache.RequestBatchMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Keeps the request for the change history's author (docs/history.md).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "factory.api.middleware.ContentSecurityPolicyMiddleware",
]

# The admin's History page shows each change but never reverts one: a revert would write around
# the services (and a user's historical row has no password to put back).
SIMPLE_HISTORY_REVERT_DISABLED = True

ROOT_URLCONF = "factory.urls"
WSGI_APPLICATION = "factory.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "factory.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------


def mysql_options(database: dict) -> dict:
    """The project's MariaDB session settings, added to what the URL's query string gives
    (ssl_mode, connect_timeout, ...)."""
    database.setdefault("OPTIONS", {}).update(
        {
            "charset": "utf8mb4",
            # Strict mode turns silent truncation into errors; READ COMMITTED keeps
            # locking reads (SELECT ... FOR UPDATE) from taking gap locks.
            "init_command": "SET sql_mode='STRICT_TRANS_TABLES,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO'",
            "isolation_level": "read committed",
        }
    )
    return database


def database_from_url(url: str) -> dict:
    return dj_database_url.parse(
        url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
    )


DATABASES = {
    "default": database_from_url(env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.mysql":
    mysql_options(DATABASES["default"])
    DATABASES["default"]["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_520_ci"}
    # MariaDB has no unique indexes on expressions (products' LOWER(name), LOWER(sku)); it needs
    # none: its _ci collation makes the plain unique indexes case-insensitive already.
    SILENCED_SYSTEM_CHECKS = ["models.W044"]
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["ENGINE"] = "factory.sqlite"  # a new database file is created 0600
    # Concurrent clerks on the embedded default wait their turn (SPEC §2): readers never block
    # the writer (WAL), a write transaction takes the write lock at BEGIN, before reading (so two
    # cannot both read and then fail to upgrade, which SQLite answers at once, past any timeout),
    # and a writer waits up to SQLITE_TIMEOUT seconds for the lock. See docs/hardening.md.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": env_int("SQLITE_TIMEOUT", 20),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # A file, not Django's in-memory test database, so that the tests see the same locking
    # as a served db.sqlite3 (factory/tests/test_sqlite_writers.py); one per test process.
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"factory-test-{os.getpid()}.sqlite3")
    }

# MariaDB read replicas (SPEC §19, docs/scaling.md): reports read from one, caught up with
# every write committed before the request (MASTER_GTID_WAIT, up to REPLICA_WAIT_SECONDS), or
# from the primary. Aliases replica1, replica2, ...; in tests each mirrors the test database,
# which reaches it by replication. factory.replicas.PrimaryRouter sends all else to the primary.
REPLICA_DATABASES = []
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    _replica = mysql_options(database_from_url(_url))
    if (
        _replica["ENGINE"] != "django.db.backends.mysql"
        or "mysql" not in DATABASES["default"]["ENGINE"]
    ):
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URLS are mysql:// replicas of a MariaDB primary."
        )
    # A replica that does not answer is left for CACHE_RETRY_SECONDS: its connect costs ~1 s once,
    # a replica that hangs mid-answer 10 s once (then the primary reads the report).
    _replica["OPTIONS"].setdefault("connect_timeout", 1)
    _replica["OPTIONS"].setdefault("read_timeout", 10)
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica{_number}"] = _replica
    REPLICA_DATABASES.append(f"replica{_number}")
DATABASE_ROUTERS = ["factory.replicas.PrimaryRouter"]
REPLICA_WAIT_SECONDS = float(env_str("REPLICA_WAIT_SECONDS", "0.5"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------

REDIS_URL = env_str("REDIS_URL")
_xdist_worker = env_str("PYTEST_XDIST_WORKER")  # "gw0", "gw1", ... in pytest-xdist's workers
if REDIS_URL and _xdist_worker.startswith("gw"):
    # Tests clear the cache (FLUSHDB, whatever the key prefix): each test worker gets its own
    # Redis database, 1 + its number (docs/testing.md).
    _url = urlsplit(REDIS_URL)
    REDIS_URL = urlunsplit(_url._replace(path=f"/{1 + int(_xdist_worker[2:])}"))
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "factory"),
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
                # A Redis outage degrades to "no cache" instead of 500s.
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    DJANGO_REDIS_IGNORE_EXCEPTIONS = True
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    DJANGO_REDIS_LOGGER = "factory.cache"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth -----------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.RoleBackend"]
PASSWORD_HASHERS = [
    "factory.hashers.Argon2PasswordHasher",  # Django's, at most PASSWORD_HASHING_SLOTS at a time
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Argon2 hashes one process computes at once (~100 MiB and both cores each); more wait.
PASSWORD_HASHING_SLOTS = env_int("PASSWORD_HASHING_SLOTS", 2)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation -------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Under runserver and the test suite, serve app static files without collectstatic.
WHITENOISE_USE_FINDERS = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security ---------------------------------------------------------------

# Bodies above this answer 413 before any view reads them.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_REQUEST_BYTES", 1024 * 1024)
# Spreadsheet imports (factory.imports, docs/import.md): the largest file and the most rows one
# import reads. The admin's import page accepts uploads up to twice the limit, to say so politely.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 5 * 1024 * 1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 50_000)
NUM_PROXIES = env_int("NUM_PROXIES", 0)
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/api/.*$"
# django-cors-headers' defaults plus every request header the API documents (Idempotency-Key).
CORS_ALLOW_HEADERS = (*cors_default_headers, "idempotency-key")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    if NUM_PROXIES:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Open sign-up (POST /api/users/ by anyone). Off by default in production, like the HTTPS
# settings: a stranger who signs up can read customer records. 0: only an admin creates users.
ALLOW_SIGNUP = env_bool("ALLOW_SIGNUP", default=DEBUG)

# --- REST framework ---------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["factory.api.permissions.HasRolePermission"],
    "DEFAULT_PAGINATION_CLASS": "factory.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 10,
    "DEFAULT_FILTER_BACKENDS": [
        "factory.api.filters.FilterBackend",
        "factory.api.filters.BoundedSearchFilter",
        "factory.api.filters.StableOrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "factory.api.throttling.AnonRateThrottle",
        "factory.api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("THROTTLE_ANON", "100/min"),
        "user": env_str("THROTTLE_USER", "1000/min"),
        "login": env_str("THROTTLE_LOGIN", "10/min"),
    },
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_RENDERER_CLASSES": [
        "factory.api.renderers.FastJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # DRF's three, with its JSON parser made to refuse a too deeply nested body with a 400.
    # (The schema's PARSER_WHITELIST below names DRF's JSONParser, so it takes its subclass too.)
    "DEFAULT_PARSER_CLASSES": [
        "factory.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "factory.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "factory.api.exceptions.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 1)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    # A token carries a digest of the password hash: changing the password
    # revokes every token issued before.
    "CHECK_REVOKE_TOKEN": True,
    "REVOKE_TOKEN_CLAIM": "hash_password",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Factory Management API",
    "DESCRIPTION": "Back office of a small factory: master data, production, orders, stock and reports.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/",
    # The API speaks JSON (SPEC §3); the form parsers exist for the browsable API's HTML forms.
    "PARSER_WHITELIST": ["rest_framework.parsers.JSONParser"],
    # Two models have a `status`: each its own enum component.
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "orders.models.Order.Status",
        "InvoiceStatusEnum": "orders.models.Invoice.Status",
        "EventTypeEnum": "events.models.EVENT_TYPE_CHOICES",
    },
}

# Shared-cache features: on only with Redis, which every app process shares, so that a
# committed write reaches them all (factory/cache/). Each value is invalidated by the
# writes it depends on; the seconds only bound how long an unread entry stays.
# Signed-in users and role permission sets: memoised per process under a shared version.
ACCESS_CACHE = env_bool("ACCESS_CACHE", default=bool(REDIS_URL))
# Report pages. 0 turns the cache off.
REPORT_CACHE_SECONDS = env_int("REPORT_CACHE_SECONDS", 300 if REDIS_URL else 0)
# Pages of the domain lists and the row counts of the large ones. 0 turns the cache off.
LIST_CACHE_SECONDS = env_int("LIST_CACHE_SECONDS", 300 if REDIS_URL else 0)
# `make bench` only: mounts the reference views its throughput is compared with (factory/urls.py).
BENCH_BASELINE = env_bool("BENCH_BASELINE")

# After Redis fails to answer, each process bypasses it for this long (0: try on every read).
CACHE_RETRY_SECONDS = env_int("CACHE_RETRY_SECONDS", 5)

# --- Domain -----------------------------------------------------------------

# The name on the landing page, the admin's header and its page titles.
SITE_NAME = env_str("SITE_NAME", "Factory back office")

# Orders store it with 4 decimal places, below 10 (Order.tax_rate): anything else would be
# rounded on the order while its tax was computed unrounded, or refuse every order.
try:
    TAX_RATE = Decimal(env_str("TAX_RATE", "0.09"))
    valid_tax_rate = 0 <= TAX_RATE < 10 and TAX_RATE.quantize(Decimal("0.0001")) == TAX_RATE
except ArithmeticError:  # not a number
    valid_tax_rate = False
if not valid_tax_rate:
    raise ImproperlyConfigured(
        f"TAX_RATE must be a decimal from 0 to 9.9999, 4 places at most: {env_str('TAX_RATE')!r}"
    )

# Fulfilment and invoices (SPEC §16, docs/fulfilment.md): an invoice is due this many days
# after it is issued; the company details are printed on every invoice PDF.
INVOICE_DUE_DAYS = env_int("INVOICE_DUE_DAYS", 30)
if not 0 <= INVOICE_DUE_DAYS <= 3650:
    raise ImproperlyConfigured(f"INVOICE_DUE_DAYS must be 0 … 3650 days: {INVOICE_DUE_DAYS}")
COMPANY_NAME = env_str("COMPANY_NAME", "Factory Co.")
COMPANY_ADDRESS = env_str("COMPANY_ADDRESS", "1 Industrial Way\nSpringfield")
COMPANY_TAX_ID = env_str("COMPANY_TAX_ID", "")

# --- Events, webhooks and the worker (SPEC §18, docs/events.md) -------------

EVENT_RETENTION_DAYS = env_int("EVENT_RETENTION_DAYS", 30)
# Webhook URLs that resolve to loopback, private, link-local or reserved addresses are refused
# unless this is set (development and tests).
WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE")
WEBHOOK_TIMEOUT_SECONDS = float(env_str("WEBHOOK_TIMEOUT_SECONDS", "10"))
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 6)
WEBHOOK_RETRY_BASE_SECONDS = float(env_str("WEBHOOK_RETRY_BASE_SECONDS", "120"))
# How long a worker holds a claimed delivery: past it, another worker attempts it again.
WEBHOOK_LEASE_SECONDS = float(env_str("WEBHOOK_LEASE_SECONDS", "60"))
if WEBHOOK_LEASE_SECONDS <= WEBHOOK_TIMEOUT_SECONDS:
    raise ImproperlyConfigured("WEBHOOK_LEASE_SECONDS must be longer than WEBHOOK_TIMEOUT_SECONDS.")
LOW_STOCK_EMAILS = env_list("LOW_STOCK_EMAILS")
# E-mail through Django's backend, configured by one URL (dj-email-url): console:// (the
# default: printed by the process that sends it), smtp://user:pass@host:587/?tls=True, ...
vars().update(dj_email_url.parse(env_str("EMAIL_URL", "console://")))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "factory@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# django-q2 with its ORM broker: the queue lives in the database, so it needs no Redis and
# loses nothing when Redis is down. `timeout` bounds one round (events.jobs.ROUND_LIMIT
# deliveries of up to WEBHOOK_TIMEOUT_SECONDS each); `retry` must be longer.
Q_CLUSTER = {
    "name": "factory",
    "orm": "default",
    "workers": env_int("WORKER_PROCESSES", 2),
    "timeout": 300,
    "retry": 360,
    "max_attempts": 3,
    "poll": 0.5,
    "catch_up": False,
    "save_limit": 250,
    "ack_failures": True,
    "label": "Worker",
}

# --- Logging ----------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # A SuspiciousOperation (too many fields or files, a forged Host) is a 400, not an error.
    "filters": {"suspicious_as_warning": {"()": "factory.logging.SuspiciousOperationAsWarning"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["suspicious_as_warning"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
