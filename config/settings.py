"""Settings for the GovTech Platform, driven by environment variables.

DJANGO_ENV chooses the defaults: ``production`` (the default, strict) or
``development`` (debug on, console e-mail). Everything else can be overridden
one variable at a time; docs/deploy.md lists them.
"""

import json
from decimal import Decimal
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env, env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent

DJANGO_ENV = env("DJANGO_ENV", "production")
if DJANGO_ENV not in {"production", "development", "test"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be production, development or test, not {DJANGO_ENV!r}")
IS_PRODUCTION = DJANGO_ENV == "production"

INSECURE_SECRET_KEY = "insecure-development-key-never-use-in-production"
SECRET_KEY = env("DJANGO_SECRET_KEY", INSECURE_SECRET_KEY)
if IS_PRODUCTION and (SECRET_KEY == INSECURE_SECRET_KEY or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a random value of at least 32 characters in production."
    )

DEBUG = env_bool("DJANGO_DEBUG", DJANGO_ENV == "development")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [] if IS_PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env("GOVTECH_SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "govtech.core",
    "govtech.accounts",
    "govtech.notifications",
    "govtech.funnel",
    "govtech.challenges",
    "govtech.participation",
    "govtech.catalog",
    "govtech.procurement",
    "govtech.web",
    "govtech.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "govtech.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

if IS_PRODUCTION:
    # Static files from the app servers themselves, compressed and cache-busted (collectstatic).
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "govtech" / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "govtech.web.context_processors.shell",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["ENGINE"] = "govtech.core.sqlite"  # adds Unicode-aware lower-casing
    # WAL lets the web server read while the task worker writes.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    DATABASES["default"]["OPTIONS"]["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
SITE_ID = 1

AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",  # every permission: the rules in */rules.py
    "govtech.accounts.backends.EmailAuthenticationBackend",  # sign-in only
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- accounts (django-allauth) ---
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "web:home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_ADAPTER = "govtech.accounts.adapters.AccountAdapter"
ACCOUNT_RATE_LIMITS = {
    # Login throttling: failed attempts per IP and per account.
    "login_failed": env("GOVTECH_LOGIN_RATE_LIMIT", "10/m/ip,5/5m/key"),
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[GovTech] "
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_PROVIDERS = {}
if env("OIDC_CLIENT_ID", ""):
    # A city's single sign-on, through OpenID Connect (docs/deploy.md).
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "APPS": [
            {
                "provider_id": env("OIDC_PROVIDER_ID", "city-sso"),
                "name": env("OIDC_PROVIDER_NAME", "City SSO"),
                "client_id": env("OIDC_CLIENT_ID"),
                "secret": env("OIDC_CLIENT_SECRET", ""),
                "settings": {"server_url": env("OIDC_SERVER_URL")},
            }
        ],
        "OAUTH_PKCE_ENABLED": True,
    }

# --- i18n ---
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env("GOVTECH_TIME_ZONE", "Europe/Moscow")
USE_TZ = True

# --- static and media ---
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("GOVTECH_MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": env("GOVTECH_FILE_STORAGE", "django.core.files.storage.FileSystemStorage")},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if IS_PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
GOVTECH_UPLOAD_MAX_BYTES = env_int("GOVTECH_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)

# --- residents' participation ---
GOVTECH_IDEA_ANSWER_DAYS = env_int("GOVTECH_IDEA_ANSWER_DAYS", 30)  # an agency answers an idea within this
GOVTECH_AUTO_HIDE_REPORTS = env_int("GOVTECH_AUTO_HIDE_REPORTS", 3)  # reports that hide content until reviewed
GOVTECH_COMMENT_EDIT_MINUTES = env_int("GOVTECH_COMMENT_EDIT_MINUTES", 15)
GOVTECH_IDEAS_PER_HOUR = env_int("GOVTECH_IDEAS_PER_HOUR", 5)  # per account; stories count the same
GOVTECH_COMMENTS_PER_HOUR = env_int("GOVTECH_COMMENTS_PER_HOUR", 30)
GOVTECH_IDEA_MAX_FILES = env_int("GOVTECH_IDEA_MAX_FILES", 5)

# --- catalog and direct award ---
# An order to an accredited product is placed directly only up to this amount (roubles); above
# it the agency must buy competitively.
GOVTECH_CATALOG_DIRECT_AWARD_LIMIT = Decimal(env("GOVTECH_CATALOG_DIRECT_AWARD_LIMIT", "3000000"))
# A buying project's search may be ended (its results frozen) only with at most this many results.
GOVTECH_CATALOG_SNAPSHOT_MAX = env_int("GOVTECH_CATALOG_SNAPSHOT_MAX", 100)
GOVTECH_CATALOG_ACCREDITATION_MONTHS = env_int("GOVTECH_CATALOG_ACCREDITATION_MONTHS", 18)
# Days before an accreditation ends when its supplier is reminded (each reminder once).
GOVTECH_CATALOG_EXPIRY_REMINDER_DAYS = [int(d) for d in env_list("GOVTECH_CATALOG_EXPIRY_REMINDER_DAYS", ["60", "14"])]
# How many agency reviews the expert score counts as in the rating (see govtech/catalog/rating.py).
GOVTECH_CATALOG_RATING_PRIOR_WEIGHT = env_int("GOVTECH_CATALOG_RATING_PRIOR_WEIGHT", 3)
# Default eligibility of a new intake cycle (see govtech/catalog/eligibility.py).
GOVTECH_CATALOG_ELIGIBILITY = json.loads(
    env(
        "GOVTECH_CATALOG_ELIGIBILITY",
        '{"any_of": [{"max_company_age_years": 7}, {"partner_recommendation": true}]}',
    )
)

# --- procurement for startups and SMEs ---
# Real OCDS data the demo imports when present (a checkout next to ../shared); else the shipped samples.
GOVTECH_OCDS_DEMO_DATA = env(
    "GOVTECH_OCDS_DEMO_DATA", str(BASE_DIR.parent / "shared" / "data" / "ocds" / "real-examples")
)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- e-mail ---
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if env("EMAIL_HOST", "")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "GovTech <noreply@govtech.localhost>")

# --- background tasks ---
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# /healthz calls the worker stalled when a task has waited longer than this.
GOVTECH_WORKER_STALL_SECONDS = env_int("GOVTECH_WORKER_STALL_SECONDS", 120)

# --- cache (rate limits, throttling) ---
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache"
        if env("GOVTECH_CACHE", "database") == "database"
        else "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "govtech_cache",
    }
}

# --- API ---
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes an anonymous request a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "govtech.api.pagination.StandardPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "govtech.api.filters.TextSearchFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "govtech.api.throttling.AnonymousThrottle",
        "govtech.api.throttling.UserThrottle",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "NUM_PROXIES": env_int("GOVTECH_TRUSTED_PROXY_COUNT", 0) or None,
    "EXCEPTION_HANDLER": "govtech.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
GOVTECH_API_ANON_RATE = env("GOVTECH_API_ANON_RATE", "120/min")
GOVTECH_API_USER_RATE = env("GOVTECH_API_USER_RATE", "600/min")
SPECTACULAR_SETTINGS = {
    "TITLE": "GovTech Platform API",
    "DESCRIPTION": "Public reads need no token; writes need an authenticated user with the right role. "
    'Every error has the shape {"error": {"status", "code", "message", "fields"}}.',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "MembershipRoleEnum": "govtech.accounts.models.MembershipRole",
        "PlatformRoleEnum": "govtech.accounts.models.PlatformRole",
        "OrganizationKindEnum": "govtech.accounts.models.OrganizationKind",
        "LanguageEnum": "govtech.accounts.models.Language",
        "ChallengeStatusEnum": "govtech.challenges.models.ChallengeStatus",
        "SubmissionStatusEnum": "govtech.challenges.models.SubmissionStatus",
        "PhaseKindEnum": "govtech.challenges.models.PhaseKind",
        "IntakeModeEnum": "govtech.challenges.models.IntakeMode",
        "WindowStateEnum": "govtech.challenges.models.WindowState",
        "ConflictDeclarationEnum": "govtech.challenges.models.Declaration",
        "LicenceEnum": "govtech.challenges.models.Licence",
        "IdeaStatusEnum": "govtech.participation.models.IdeaStatus",
        "TenderStatusEnum": "govtech.procurement.models.TenderStatus",
        "MainCategoryEnum": "govtech.procurement.models.MainCategory",
        "CallModerationEnum": "govtech.participation.models.Moderation",
        "ReportReasonEnum": "govtech.participation.models.ReportReason",
        "PointsKindEnum": "govtech.participation.models.PointsKind",
        "TopicEnum": "govtech.funnel.models.Topic",
        "ProductStatusEnum": "govtech.catalog.models.ProductStatus",
        "AccreditationStateEnum": "govtech.catalog.models.AccreditationState",
        "PricingModelEnum": "govtech.catalog.models.PricingModel",
        "PriceBandEnum": "govtech.catalog.models.PriceBand",
        "DeploymentEnum": "govtech.catalog.models.Deployment",
        "DataLocationEnum": "govtech.catalog.models.DataLocation",
        "ProductLanguageEnum": "govtech.catalog.models.Language",
        "ProductFileKindEnum": "govtech.catalog.models.FileKind",
        "ReferenceKindEnum": "govtech.catalog.models.ReferenceKind",
        "ProductUseKindEnum": "govtech.catalog.models.UseKind",
        "CriterionKeyEnum": "govtech.catalog.models.CriterionKey",
        "CycleWindowStateEnum": "govtech.catalog.models.WindowState",
        "ApplicationStatusEnum": "govtech.catalog.models.ApplicationStatus",
        "ProjectStatusEnum": "govtech.catalog.models.ProjectStatus",
        "ProjectOutcomeEnum": "govtech.catalog.models.Outcome",
        "OrderStatusEnum": "govtech.catalog.models.OrderStatus",
    },
}

# --- security ---
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", IS_PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000 if IS_PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = IS_PRODUCTION
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", IS_PRODUCTION)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if IS_PRODUCTION else None
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SECURE_CONTENT_TYPE_NOSNIFF = True
# Behind a proxy, the client address is the one the proxies add; rate limits count per client.
GOVTECH_TRUSTED_PROXY_COUNT = env_int("GOVTECH_TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_PROXY_COUNT = GOVTECH_TRUSTED_PROXY_COUNT
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
