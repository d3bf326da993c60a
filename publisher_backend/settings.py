"""Scholar Link settings: one module, every value from the environment (django-environ).

`.env.example` documents each variable. Production needs DJANGO_SECRET_KEY, FIELD_ENCRYPTION_KEY,
WECHAT_APP_ID and WECHAT_APP_SECRET; with DJANGO_DEBUG on (the `make run` path) development and
sandbox values are used so a newcomer can start without configuring anything. With DJANGO_DEBUG off
those values are refused by name: a server that silently ran on them would sign sessions and encrypt
secrets with keys anyone can read in this repository.
"""

import base64
import hashlib
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
VAR_DIR = Path(env.str("DJANGO_VAR_DIR", default=str(BASE_DIR / "var")))


DEBUG = env.bool("DJANGO_DEBUG", default=False)

# The development and sandbox values (the WeChat ones are sandbox/wechat.py's defaults), and the
# placeholders .env.example shows: never accepted with DJANGO_DEBUG off.
DEV_SECRET_KEY = "dev-only-insecure-secret-key-for-make-run"
SANDBOX_WECHAT_APP_ID = "wxsandbox0000000001"
SANDBOX_WECHAT_APP_SECRET = "sandbox-secret"
_EXAMPLE_PLACEHOLDERS = {"change-me", "wx0000000000000000"}


def _required_outside_debug(name: str, *, dev_value: str) -> str:
    """`name` from the environment; under DEBUG it falls back to `dev_value`. Outside DEBUG it must be set,
    and to neither the development value nor a placeholder, else the start fails naming the variable."""
    value = env.str(name, default="")
    if DEBUG:
        return value or dev_value
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when DJANGO_DEBUG is off.")
    if value == dev_value or value in _EXAMPLE_PLACEHOLDERS:
        raise ImproperlyConfigured(f"{name} is a development or sandbox value; set the real one when "
                                   "DJANGO_DEBUG is off.")
    return value


SECRET_KEY = _required_outside_debug("DJANGO_SECRET_KEY", dev_value=DEV_SECRET_KEY)

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "publisher_backend",
    "accounts",
    "manuscripts",
    "notifications",
    "payments",
    "tagging",
    "sharing",
    "editorial",
]

MIDDLEWARE = [
    "publisher_backend.middleware.ApiErrorEnvelopeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "publisher_backend.middleware.MethodOverrideMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "publisher_backend.urls"
WSGI_APPLICATION = "publisher_backend.wsgi.application"
# The contract's paths have no trailing slash; never redirect to add one.
APPEND_SLASH = False

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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# The embedded default (SQLite in var/) is the newcomer's path; production and tests use PostgreSQL.
DATABASE_URL = env.str("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'scholar_link.sqlite3'}"
DATABASES = {"default": environ.Env.db_url_config(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the web, worker and beat processes read while one writes; the busy timeout and
    # IMMEDIATE transactions make a writer wait for the lock instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # No just-in-time compilation: it pays off for long analytical queries, not ours. A segment count over
    # 100,000 researchers that PostgreSQL estimated costly ran 270 ms, then spent 690 ms more compiling itself
    # (bench/segments.py).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Redis, cache, Celery -------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="scholarlink"),
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    # Without Redis (make run) the cache lives in the database, so every process shares it.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "scholar_link_cache",
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="scholarlink"),
        }
    }

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or REDIS_URL or "filesystem://"
# A request that enqueues after commit waits at most about this long for a broker that is down or hung, then
# goes on (publisher_backend/dispatch.py). Celery's defaults are a 4 s connection timeout and 3 publish retries
# (celery/app/defaults.py), and kombu's Redis transport has no socket timeout, so "a publish waits forever on the
# dead connection" (kombu/transport/redis.py, socket_timeout); measured here: a stopped broker failed a publish in
# 0.6 s, a hung one (SIGSTOP) never returned.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
                                       "socket_timeout": CELERY_BROKER_CONNECTION_TIMEOUT}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _folder in ("processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
elif env.str("CELERY_BROKER_KEY_PREFIX", default=""):
    # A Redis broker sharing its database with others (parallel test processes, a benchmark inside a test run):
    # every broker key (queues, bindings) goes under this prefix (kombu's global_keyprefix), so neither sees the
    # other's tasks.
    CELERY_BROKER_TRANSPORT_OPTIONS = {**CELERY_BROKER_TRANSPORT_OPTIONS,
                                       "global_keyprefix": env.str("CELERY_BROKER_KEY_PREFIX")}
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Subscription messages have a queue of their own, so a notice never waits behind a long journal poll.
# Workers consume both queues (docker-compose.yml, Procfile.dev): `-Q celery,notifications`.
# Link-code mails ride the same queue: a researcher waiting for a code never waits behind a poll either.
# Outbound webhooks have a queue of their own too (and a worker of their own in docker-compose.yml): a slow or
# dead endpoint never holds a worker the product needs.
CELERY_TASK_ROUTES = {"notifications.tasks.*": {"queue": "notifications"},
                      "accounts.tasks.send_link_code": {"queue": "notifications"},
                      "tagging.tasks.webhook_*": {"queue": "webhooks"}}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The schedule lives in code; django-celery-beat copies it into its tables at beat start-up.
CELERY_BEAT_SCHEDULE = {
    "manuscripts-poll-tick": {
        "task": "manuscripts.tasks.poll_tick",
        "schedule": 60,
    },
    "manuscripts-refresh-citations": {
        "task": "manuscripts.tasks.refresh_citations",
        "schedule": crontab(hour=4, minute=10, day_of_week="mon"),  # weekly, a quiet hour in China
    },
    "manuscripts-refresh-usage": {
        "task": "manuscripts.tasks.refresh_usage",
        "schedule": crontab(hour=4, minute=40, day_of_week="mon"),  # weekly, after the citations
    },
    "manuscripts-impact-digests": {
        "task": "manuscripts.tasks.send_impact_digests",
        "schedule": crontab(hour=10, minute=0, day_of_month=1),  # the 1st of each month, Beijing morning
    },
    "manuscripts-check-publications": {
        "task": "manuscripts.tasks.check_publications",
        "schedule": 60 * 60,
    },
    "notifications-send-due": {
        "task": "notifications.tasks.send_due",
        "schedule": 30,  # sweeps what the after-commit trigger missed (a broker hiccup, a retry now due)
    },
    "accounts-purge-expired-tokens": {
        "task": "accounts.tasks.purge_expired_tokens",
        "schedule": 60 * 60 * 6,
    },
    "payments-publish-paid-orders": {
        "task": "payments.tasks.publish_paid_orders",
        "schedule": 60,  # sweeps settled orders whose order_paid a lost after-commit kick left unheard
    },
    "payments-reconcile": {
        "task": "payments.tasks.reconcile",
        "schedule": 5 * 60,  # asks WeChat Pay about prepays open for PAYMENTS_RECONCILE_AFTER_SECONDS
    },
    "tagging-campaigns-launch-due": {
        "task": "tagging.tasks.campaigns_launch_due",
        "schedule": 60,  # scheduled campaigns start within a minute of their send time
    },
    "tagging-enrich-researchers": {
        "task": "tagging.tasks.researchers_enrich_due",
        "schedule": 60 * 60 * 24,
    },
    "accounts-purge-orcid-proofs": {
        "task": "accounts.tasks.purge_orcid_proofs",
        "schedule": 60 * 60 * 24,
    },
    # The Official Account's followers (openid, unionid, subscribed) re-read from WeChat every night at 03:30.
    "tagging-oa-followers-sync": {
        "task": "tagging.tasks.oa_followers_sync",
        "schedule": crontab(hour=3, minute=30),
    },
    "tagging-rules-nightly": {
        "task": "tagging.tasks.rules_nightly",
        "schedule": crontab(hour=3, minute=20),  # CELERY_TIMEZONE: a quiet hour in China
    },
    "tagging-webhook-sweep": {
        "task": "tagging.tasks.webhook_sweep",
        "schedule": 15,  # retries now due, endpoints back from a pause, what the after-commit trigger missed
    },
    "tagging-webhook-purge": {
        "task": "tagging.tasks.webhook_purge",
        "schedule": 60 * 60 * 24,
    },
    # Reminders before a revision (or other action) is due: once a day, in the Beijing morning.
    "manuscripts-due-reminders": {
        "task": "manuscripts.tasks.send_due_reminders",
        "schedule": crontab(hour=9, minute=5),
    },
}

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "static"))
# Uploaded files (fapiao) are private: never served under a public URL, only through views that check who asks.
MEDIA_ROOT = env.str("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media"))

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # gunicorn serves admin and API-docs assets itself (WhiteNoise); runserver does so under DEBUG.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Security -------------------------------------------------------------------------------
# `manage.py check --deploy --fail-level WARNING` passes with DEBUG off (tests/test_production_settings.py).
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
# The container healthcheck asks over plain http from inside; a redirect would fail it.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# How many reverse proxies of ours put X-Forwarded-For (and -Proto) in front of the web server. Only then
# is X-Forwarded-Proto believed: without a proxy, any client could claim https by sending it.
NUM_PROXIES = env.int("DJANGO_NUM_PROXIES", default=0)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if NUM_PROXIES else None

# Development only: a Fernet key derived from the development secret key.
DEV_FIELD_ENCRYPTION_KEY = base64.urlsafe_b64encode(hashlib.sha256(DEV_SECRET_KEY.encode()).digest()).decode()
_field_keys_text = _required_outside_debug("FIELD_ENCRYPTION_KEY", dev_value=DEV_FIELD_ENCRYPTION_KEY)
FIELD_ENCRYPTION_KEYS = [key.strip() for key in _field_keys_text.split(",") if key.strip()]
if not DEBUG and DEV_FIELD_ENCRYPTION_KEY in FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY holds the development key; set real keys when "
                               "DJANGO_DEBUG is off.")

# Admin sign-in: counted per client address and per username before the password is checked.
ADMIN_LOGIN_RATE_PER_CLIENT = env.str("ADMIN_LOGIN_RATE_PER_CLIENT", default="20/hour")
ADMIN_LOGIN_RATE_PER_USERNAME = env.str("ADMIN_LOGIN_RATE_PER_USERNAME", default="10/hour")

# --- WeChat ---------------------------------------------------------------------------------
WECHAT_APP_ID = _required_outside_debug("WECHAT_APP_ID", dev_value=SANDBOX_WECHAT_APP_ID)
WECHAT_APP_SECRET = _required_outside_debug("WECHAT_APP_SECRET", dev_value=SANDBOX_WECHAT_APP_SECRET)
WECHAT_API_BASE = env.str("WECHAT_API_BASE", default="https://api.weixin.qq.com").rstrip("/")
WECHAT_TIMEOUT_SECONDS = env.float("WECHAT_TIMEOUT_SECONDS", default=5.0)

# WeChat Pay is optional: with any of its required values unset it is switched off, and admin's index
# says so (publisher_backend/integrations.py). There are no sandbox fallbacks.
# Sandbox values (sandbox/wechatpay.py's defaults and sandbox/keys/) are refused by name with DEBUG off.
SANDBOX_WECHATPAY_MCH_ID = "1900000109"
SANDBOX_WECHATPAY_API_V3_KEY = "SandboxApiV3Key00000000000000000"
SANDBOX_WECHATPAY_KEYS_DIR = BASE_DIR / "sandbox" / "keys"


def _not_sandbox_outside_debug(name: str, value: str, *, sandbox_value: str = "") -> str:
    """`value` of the variable `name`, unless DEBUG is off and it is the sandbox's value or one of its key files."""
    if not DEBUG and value and (value == sandbox_value or (
            name.endswith("_PATH") and Path(value).resolve().is_relative_to(SANDBOX_WECHATPAY_KEYS_DIR))):
        raise ImproperlyConfigured(f"{name} is a sandbox value; set the real one when DJANGO_DEBUG is off.")
    return value


WECHATPAY_MCH_ID = _not_sandbox_outside_debug(
    "WECHATPAY_MCH_ID", env.str("WECHATPAY_MCH_ID", default=""), sandbox_value=SANDBOX_WECHATPAY_MCH_ID)
WECHATPAY_API_V3_KEY = _not_sandbox_outside_debug(
    "WECHATPAY_API_V3_KEY", env.str("WECHATPAY_API_V3_KEY", default=""), sandbox_value=SANDBOX_WECHATPAY_API_V3_KEY)
WECHATPAY_PRIVATE_KEY_PATH = _not_sandbox_outside_debug(
    "WECHATPAY_PRIVATE_KEY_PATH", env.str("WECHATPAY_PRIVATE_KEY_PATH", default=""))
WECHATPAY_CERT_SERIAL = env.str("WECHATPAY_CERT_SERIAL", default="")
WECHATPAY_PUBLIC_KEY_PATH = _not_sandbox_outside_debug(
    "WECHATPAY_PUBLIC_KEY_PATH", env.str("WECHATPAY_PUBLIC_KEY_PATH", default=""))
WECHATPAY_PUBLIC_KEY_ID = env.str("WECHATPAY_PUBLIC_KEY_ID", default="")
WECHATPAY_API_BASE = env.str("WECHATPAY_API_BASE", default="https://api.mch.weixin.qq.com").rstrip("/")
WECHATPAY_TIMEOUT_SECONDS = env.float("WECHATPAY_TIMEOUT_SECONDS", default=8.0)
# A notification whose Wechatpay-Timestamp is further from our clock than this is refused (WeChat's own SDKs: 300).
WECHATPAY_NOTIFY_MAX_SKEW_SECONDS = 300

# --- The publisher's WeChat Official Account (公众号; tagging.wechat_oa) ----------------------------
# Optional: with its app id, secret or callback token unset the channel is off and admin's index says so
# (publisher_backend/integrations.py). Reached at WECHAT_API_BASE like the Mini Program's APIs, with its own
# access token (stable_token, kept in the shared cache under the Official Account's app id).
# WECHAT_OA_AES_KEY (the 43-character EncodingAESKey) is needed only when the account's message
# encryption is "safe mode" (or compatible mode); plain-text callbacks are verified by the token alone.
SANDBOX_WECHAT_OA_APP_ID = "wxsandboxoa000000001"
SANDBOX_WECHAT_OA_APP_SECRET = "sandbox-oa-secret"
SANDBOX_WECHAT_OA_TOKEN = "sandbox-oa-token"
SANDBOX_WECHAT_OA_AES_KEY = "SandboxOfficialAccountEncodingAesKey0000000"
WECHAT_OA_APP_ID = _not_sandbox_outside_debug(
    "WECHAT_OA_APP_ID", env.str("WECHAT_OA_APP_ID", default=""), sandbox_value=SANDBOX_WECHAT_OA_APP_ID)
WECHAT_OA_APP_SECRET = _not_sandbox_outside_debug(
    "WECHAT_OA_APP_SECRET", env.str("WECHAT_OA_APP_SECRET", default=""), sandbox_value=SANDBOX_WECHAT_OA_APP_SECRET)
WECHAT_OA_TOKEN = _not_sandbox_outside_debug(
    "WECHAT_OA_TOKEN", env.str("WECHAT_OA_TOKEN", default=""), sandbox_value=SANDBOX_WECHAT_OA_TOKEN)
WECHAT_OA_AES_KEY = _not_sandbox_outside_debug(
    "WECHAT_OA_AES_KEY", env.str("WECHAT_OA_AES_KEY", default=""), sandbox_value=SANDBOX_WECHAT_OA_AES_KEY)
if WECHAT_OA_AES_KEY and len(WECHAT_OA_AES_KEY) != 43:
    raise ImproperlyConfigured("WECHAT_OA_AES_KEY must be the 43-character EncodingAESKey of the Official Account.")
# A service account's follower receives at most this many mass messages per calendar month (Beijing time).
WECHAT_OA_MASS_SENDS_PER_MONTH = env.int("WECHAT_OA_MASS_SENDS_PER_MONTH", default=4)
# Event callbacks larger than this are refused unread (WeChat's events are a few hundred bytes).
WECHAT_OA_CALLBACK_MAX_BYTES = 64 * 1024

# --- Payments -------------------------------------------------------------------------------
PAYMENTS_ORDER_TTL_DAYS = env.int("PAYMENTS_ORDER_TTL_DAYS", default=60)  # an unpaid order closes after this
PAYMENTS_PREPAY_TTL_SECONDS = 100 * 60  # WeChat keeps a prepay_id 2 h; ours is renewed before that
# Reconciliation asks WeChat Pay about an attempt still open this long after its prepay.
PAYMENTS_RECONCILE_AFTER_SECONDS = env.int("PAYMENTS_RECONCILE_AFTER_SECONDS", default=10 * 60)
PAYMENTS_PAYING_CHECK_SECONDS = 5  # an order being paid is checked at WeChat Pay at most this often while polled
PAYMENTS_SHARE_TTL_DAYS = 14  # a share link lives this long, and never past the order's expiry
PAYMENTS_RECEIPT_LINK_TTL_SECONDS = 15 * 60
PAYMENTS_PAY_RATE = env.str("PAYMENTS_PAY_RATE", default="30/hour")  # pay taps per researcher (each may cost a prepay)
# The publisher as seller (receipts, fapiao) and its corporate account for bank transfers (对公转账).
PUBLISHER_LEGAL_NAME = env.str("PUBLISHER_LEGAL_NAME", default="")
PUBLISHER_TAX_ID = env.str("PUBLISHER_TAX_ID", default="")
PUBLISHER_ADDRESS = env.str("PUBLISHER_ADDRESS", default="")
PAYMENTS_BANK_ACCOUNT_NAME = env.str("PAYMENTS_BANK_ACCOUNT_NAME", default="")
PAYMENTS_BANK_NAME = env.str("PAYMENTS_BANK_NAME", default="")
PAYMENTS_BANK_ACCOUNT_NUMBER = env.str("PAYMENTS_BANK_ACCOUNT_NUMBER", default="")
# Voucher codes are short enough to guess: attempts per researcher (payments.services.vouchers).
PAYMENTS_VOUCHER_ATTEMPTS = env.str("PAYMENTS_VOUCHER_ATTEMPTS", default="20/hour")

PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
SANDBOX_PORT = env.int("SANDBOX_PORT", default=8025)

# --- ORCID (proof of a researcher's iD, 3-legged OAuth with the /authenticate scope) ---------------
# Optional: without a client id and secret, proving an iD is switched off (POST /api/v1/me/orcid
# answers 503 orcid_unavailable), and Crossref accounts cannot be linked. Never a sandbox fallback.
ORCID_CLIENT_ID = env.str("ORCID_CLIENT_ID", default="")
ORCID_CLIENT_SECRET = env.str("ORCID_CLIENT_SECRET", default="")
ORCID_BASE_URL = env.str("ORCID_BASE_URL", default="https://orcid.org").rstrip("/")
ORCID_TIMEOUT_SECONDS = 10.0
ORCID_PROOF_TTL_SECONDS = 600  # a ticket, and then the OAuth state, live this long
ORCID_PROOFS_PER_RESEARCHER = "10/hour"

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Scholar Link <no-reply@localhost>")

# --- Login and tokens -----------------------------------------------------------------------
AUTH_TOKEN_TTL_DAYS = env.int("AUTH_TOKEN_TTL_DAYS", default=30)
# A token's last-used time (and so its sliding expiry) is written at most this often.
AUTH_TOKEN_TOUCH_SECONDS = env.int("AUTH_TOKEN_TOUCH_SECONDS", default=3600)
LOGIN_RATE_PER_CLIENT = env.str("LOGIN_RATE_PER_CLIENT", default="30/min")
LOGIN_RATE_PER_WECHAT_USER = env.str("LOGIN_RATE_PER_WECHAT_USER", default="10/min")

# --- Privacy (accounts.privacy) ---------------------------------------------------------------
# The version of the privacy policy researchers agree to; changing it asks every researcher again.
PRIVACY_POLICY_VERSION = env.str("PRIVACY_POLICY_VERSION", default="2026-12-06")

# --- Linking journal accounts (flow 2) --------------------------------------------------------
LINK_CODE_TTL_SECONDS = 600
LINK_CODE_MAX_ATTEMPTS = 5
LINK_CODE_RESEND_SECONDS = 60
LINK_ATTEMPTS_PER_RESEARCHER = "5/hour"
LINK_CODES_PER_IDENTITY = "3/day"

# --- Manuscript polling (flow 3) --------------------------------------------------------------
ACCOUNT_SYNC_INTERVAL_SECONDS = 300  # every active account is checked at least this often
ACCOUNT_REFRESH_MIN_SECONDS = 60  # pull-to-refresh at most once a minute per account
SYNC_RETRY_BASE_SECONDS = 30  # backoff base after a failed poll (doubles, with jitter)
SYNC_RETRY_MAX_SECONDS = 3600
POLL_LEASE_SECONDS = 3600  # a poll's lease (and, less two minutes, its task time limit); a dead worker's
# poll is taken over after it
POLL_BATCH_SIZE = 500  # accounts claimed per scheduler tick
SYSTEM_POLL_INTERVAL_SECONDS = 60  # platform-wide incremental polls (OJS)
PLATFORM_BURST = 10  # token-bucket capacity per journal system
PLATFORM_MAX_TOKEN_WAIT_SECONDS = 5.0  # longer waits reschedule instead of blocking a worker
PLATFORM_SLOT_TTL_SECONDS = 60.0  # a concurrency slot (Crossref) held longer than this is freed (a dead worker's)
PLATFORM_RETRY_ATTEMPTS = 3
PLATFORM_RETRY_BASE_SECONDS = 0.5
PLATFORM_RETRY_MAX_SECONDS = 30.0
# Days before a due date (what the journal waits for from the authors) when researchers get a reminder: one per
# threshold reached, e.g. "7,1" reminds a week before and the day before (manuscripts.services.reminders).
REMINDER_DAYS_BEFORE = sorted({days for days in env.list("REMINDER_DAYS_BEFORE", cast=int, default=[7, 1])
                               if days >= 0}, reverse=True)
CIRCUIT_FAILURE_THRESHOLD = 5  # consecutive failed calls that pause a journal system
CIRCUIT_COOLDOWN_SECONDS = 300
# Journal-system base URLs may point at private, loopback and link-local addresses (and use plain http there):
# only for the sandbox, tests and a platform on the same private network. Off, such URLs are refused when saved
# and on every connection.
PLATFORM_ALLOW_PRIVATE_URLS = env.bool("PLATFORM_ALLOW_PRIVATE_URLS", default=False)

# --- Article impact (manuscripts) ------------------------------------------------------------
CITATIONS_REFRESH_DAYS = 7  # a published manuscript's citations are counted again after this many days
CITATIONS_REFRESH_LIMIT = 20_000  # manuscripts counted per run (400 Crossref requests of 50 DOIs)
USAGE_REFRESH_DAYS = 7  # a published manuscript's views and downloads are read again after this many days
USAGE_REFRESH_LIMIT = 20_000  # manuscripts read per run (200 OJS requests of 100 submissions)
IMPACT_DIGEST_BATCH_SIZE = 500  # researchers per digest transaction

# --- Staff API and webhooks (tagging) ---------------------------------------------------------
STAFF_API_RATE = env.str("STAFF_API_RATE", default="600/min")  # requests per API key
# Webhook URLs may point at private, loopback and link-local addresses (and use plain http there): only for tests
# and a receiver on the same private network. Off, such URLs are refused when registered and on every delivery.
WEBHOOK_ALLOW_PRIVATE_URLS = env.bool("WEBHOOK_ALLOW_PRIVATE_URLS", default=False)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=5.0)  # connect, and each read, per attempt
# Deliveries in flight per endpoint: a slow endpoint holds at most this many webhook workers. Keep it below the
# webhook worker's concurrency, so other endpoints always find a free one.
WEBHOOK_ENDPOINT_CONCURRENCY = env.int("WEBHOOK_ENDPOINT_CONCURRENCY", default=2)
WEBHOOK_RETRY_BASE_SECONDS = 30  # backoff after a failed attempt (doubles, with jitter, capped)
WEBHOOK_RETRY_MAX_SECONDS = 3600
WEBHOOK_RETRY_WINDOW_SECONDS = 24 * 3600  # a delivery still failing this long after its event is marked failed
WEBHOOK_LEASE_SECONDS = 120  # a delivery claimed by a worker that died is sent again after this (> one attempt)
WEBHOOK_CIRCUIT_FAILURES = 5  # consecutive failed attempts that pause an endpoint…
WEBHOOK_CIRCUIT_COOLDOWN_SECONDS = 300  # …this long; then one attempt at a time until one succeeds
WEBHOOK_DRAIN_SECONDS = 20.0  # a task sends an endpoint's backlog this long, then queues the rest behind others
WEBHOOK_DELIVERY_RETENTION_DAYS = 30  # delivered and failed deliveries are kept this long (admin's log)
STAFF_API_PAGE_SIZE = 100  # list items per page unless ?page_size= (at most STAFF_API_MAX_PAGE_SIZE)
STAFF_API_MAX_PAGE_SIZE = 1000
STAFF_API_MAX_ASSIGNMENT_ENTRIES = 1000  # researchers per POST /api/v1/staff/tag-assignments
# Lists of rows stamped by the application's clock (manuscripts, orders) stop this much earlier than the write
# horizon (tagging.selectors.feeds): the time between reading the clock and the transaction reaching PostgreSQL.
STAFF_API_APP_CLOCK_MARGIN_SECONDS = 5
EXPORT_CHUNK_SIZE = 2000  # rows read per round trip (server-side cursor) while an export streams

# --- Campaigns (tagging) -------------------------------------------------------------------------
CAMPAIGN_BATCH_SIZE = 1000  # researchers per fan-out task (one transaction each)
CAMPAIGN_DEFAULT_PAGE = "pages/inbox/inbox"  # what a campaign without a page opens
# Enrichment from Crossref (works count, subjects) by proven ORCID iD: looked up again after this many days,
# at most this many researchers a night.
ENRICHMENT_REFRESH_DAYS = 30
ENRICHMENT_BATCH = 2000

# --- Tag rules (tagging) ----------------------------------------------------------------------
TAG_RULES_BATCH_SIZE = 1000  # researchers whose tag changes in one transaction (progress is written after each)

# --- Audience analytics (tagging, admin's audience dashboard) ---------------------------------
# How long each figure is kept in the cache before the next page view counts again (seconds).
AUDIENCE_ANALYTICS_CACHE_SECONDS = env.int("AUDIENCE_ANALYTICS_CACHE_SECONDS", default=300)

# --- Editorial dashboard (editorial, the admin index) --------------------------------------------
# How long each dashboard figure is kept in the cache before the next view of the admin index counts again.
EDITORIAL_DASHBOARD_CACHE_SECONDS = env.int("EDITORIAL_DASHBOARD_CACHE_SECONDS", default=300)

# --- Conversations with editorial offices (editorial) ---------------------------------------------
# Messages (and conversation starts) a researcher may post, e.g. "30/hour".
EDITORIAL_MESSAGE_RATE = env.str("EDITORIAL_MESSAGE_RATE", default="30/hour")
# The largest image a researcher may upload (bytes); larger sides are scaled down to this many pixels.
EDITORIAL_IMAGE_MAX_BYTES = env.int("EDITORIAL_IMAGE_MAX_BYTES", default=5 * 1024 * 1024)
EDITORIAL_IMAGE_MAX_SIDE = env.int("EDITORIAL_IMAGE_MAX_SIDE", default=2048)
# How long a signed image link in the API works (the Mini Program's <image> cannot send a token).
EDITORIAL_IMAGE_LINK_TTL_SECONDS = env.int("EDITORIAL_IMAGE_LINK_TTL_SECONDS", default=3600)

# --- Subscription-message sender (flow 4) -----------------------------------------------------
NOTIFY_BATCH_SIZE = 500  # notifications claimed per transaction (the send threads wait while a batch is claimed)
NOTIFY_SEND_THREADS = 4  # messages one worker keeps in flight (each thread has its own HTTP session)
NOTIFY_LEASE_SECONDS = 120  # a row left in `sending` this long by a dead worker is recovered and sent again
NOTIFY_MAX_ATTEMPTS = 6  # sends of one notice before a transient error (45011, -1, network) becomes failed
NOTIFY_RETRY_BASE_SECONDS = 30  # backoff base after a transient error (doubles, with jitter)
NOTIFY_RETRY_MAX_SECONDS = 3600
# 43108 (another message to the same user in flight): retried this soon (doubling, jittered, capped), uncounted.
NOTIFY_BUSY_RETRY_SECONDS = 2.0
NOTIFY_BUSY_RETRY_MAX_SECONDS = 60.0
# 45009 (daily quota used up): held notices go out this long at most after midnight Beijing time (spread).
NOTIFY_QUOTA_RESET_JITTER_SECONDS = 600
# A notice that found no credit goes out after all if the researcher allows its template this soon after.
NOTIFY_LATE_CONSENT_SECONDS = 300
# Which version of the Mini Program a message's card opens: developer, trial or formal.
WECHAT_MINIPROGRAM_STATE = env.str("WECHAT_MINIPROGRAM_STATE", default="formal")

# --- REST framework and schema --------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["publisher_backend.parsers.ApiJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "publisher_backend.schema.ApiAutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "publisher_backend.pagination.Pagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "publisher_backend.errors.api_exception_handler",
    "NUM_PROXIES": NUM_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Scholar Link API",
    "DESCRIPTION": "Backend of the publisher's WeChat Mini Program for researchers.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's assets ship with the package: the docs page works without a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several resources have a "status": each set of choices gets its own component name.
    "ENUM_NAME_OVERRIDES": {
        "ManuscriptStatusEnum": "manuscripts.status.CanonicalStatus",
        "OrderStatusEnum": "payments.models.OrderStatus",
        "RefundStatusEnum": "payments.models.RefundStatus",
        "CoverageStatusEnum": "payments.models.CoverageStatus",
        "FapiaoStatusEnum": "payments.models.FapiaoStatus",
    },
}

# --- Sharing ---------------------------------------------------------------------------------
# Public share reads (the record, its poster, opens) per client address.
SHARE_PUBLIC_RATE = env.str("SHARE_PUBLIC_RATE", default="120/min")
# Shares a researcher may create (each poster may cost a wxacode.getUnlimited call).
SHARE_CREATE_RATE = env.str("SHARE_CREATE_RATE", default="30/hour")
# The Mini Program page a poster's code opens (it receives the share's scene); it must be released.
SHARE_MINIPROGRAM_PAGE = env.str("SHARE_MINIPROGRAM_PAGE", default="packages/share/share")
# release | trial | develop: which version of the Mini Program the poster's code opens.
SHARE_MINIPROGRAM_ENV_VERSION = env.str("SHARE_MINIPROGRAM_ENV_VERSION", default="release")
# A CJK font file (.ttc/.otf/.ttf) for posters; empty = Noto Sans CJK from the pinned manimgx-fonts-cjk package.
SHARE_POSTER_FONT_PATH = env.str("SHARE_POSTER_FONT_PATH", default="")

HEALTHCHECK_TIMEOUT_SECONDS = env.float("HEALTHCHECK_TIMEOUT_SECONDS", default=2.0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Django's default config gives `django` a console handler of its own (under DEBUG) that also
    # propagates to root: every warning was printed twice. Root's handler alone prints it.
    # (`django.server`, runserver's request lines, keeps Django's own handler and does not propagate.)
    "loggers": {"django": {"handlers": [], "level": env.str("LOG_LEVEL", default="INFO"), "propagate": True}},
}
