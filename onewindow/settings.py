"""Django settings; every value that varies comes from onewindow.config (the environment)."""

import os
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from onewindow import config

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = config.data_dir()
SECRET_KEY = config.secret_key(DATA_DIR)
DEBUG = os.environ.get("ONEWINDOW_DEBUG", "") == "1"
ONEWINDOW_PUBLIC_URL = config.public_url()
ALLOWED_HOSTS = config.allowed_hosts(ONEWINDOW_PUBLIC_URL)
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("ONEWINDOW_CSRF_TRUSTED_ORIGINS", "").split(",") if o]
if ONEWINDOW_PUBLIC_URL.startswith("https://"):
    CSRF_TRUSTED_ORIGINS.append(ONEWINDOW_PUBLIC_URL)

# Served over TLS (an https public URL): cookies only over TLS, and browsers told to insist on it (HSTS).
# TLS ends at a reverse proxy in front of `onewindow serve`; ONEWINDOW_BEHIND_PROXY=1 says the proxy sets
# X-Forwarded-Proto (and X-Forwarded-For, which the rate limits then read) and strips what clients send.
ONEWINDOW_BEHIND_PROXY = config.flag("ONEWINDOW_BEHIND_PROXY")
ONEWINDOW_TLS = ONEWINDOW_PUBLIC_URL.startswith("https://")
if ONEWINDOW_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = ONEWINDOW_TLS
if ONEWINDOW_TLS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("ONEWINDOW_HSTS_SECONDS", str(365 * 86400)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    "onewindow.core",
    "onewindow.org",
    "onewindow.workdays",
    "onewindow.catalogue",
    "onewindow.handover",
    "onewindow.staffing",
    "onewindow.cases",
    "onewindow.ratings",
    "onewindow.stats",
    "onewindow.supervision",
    "onewindow.assessment",
    "onewindow.messaging",
    "onewindow.site",
    "ninja",
    "onewindow.org.admin_site.OneWindowAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise: static files keep their long cache; everything else passes here.
    "onewindow.core.web.WebHardeningMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle timeout, second factor and forced password change (org.security): after auth and messages.
    "onewindow.org.middleware.SessionGuardMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Innermost: refused business actions reach the audit chain after their transaction rolled back.
    "onewindow.org.refusals.RefusalAuditMiddleware",
]

ROOT_URLCONF = "onewindow.urls"
WSGI_APPLICATION = "onewindow.wsgi.application"

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
                "onewindow.org.context_processors.roles",
                "onewindow.navigation.navigation",
            ],
        },
    },
]

DATABASES = {"default": config.database(DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Password policy (等保2.0 level 3): 10+ characters of three classes, not the username, not a common
# password, none of the last 5 again (org.passwords); expiry below.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "onewindow.org.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "onewindow.org.passwords.NotUsernameValidator"},
    {"NAME": "onewindow.org.passwords.PasswordHistoryValidator", "OPTIONS": {"keep": 5}},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = 8 * 3600
SESSION_COOKIE_HTTPONLY = True

# The hall speaks Simplified Chinese whatever the browser asks for: no language negotiation
# (no LocaleMiddleware). Another language only by this explicit setting.
LANGUAGE_CODE = os.environ.get("ONEWINDOW_LANGUAGE", "zh-hans")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("ONEWINDOW_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = DATA_DIR / "media"
# The electronic case file (电子材料): scanned materials stored once by their SM3 hash.
ONEWINDOW_FILES_DIR = config.files_dir(DATA_DIR)
ONEWINDOW_FILE_STORE = os.environ.get("ONEWINDOW_FILE_STORE", "onewindow.cases.storage.FilesystemStore")
ONEWINDOW_FILE_MAX_BYTES = config.mebibytes("ONEWINDOW_FILE_MAX_MB", 20)
ONEWINDOW_CASE_FILES_MAX_BYTES = config.mebibytes("ONEWINDOW_CASE_FILES_MAX_MB", 200)
# Case files and the keys hold personal data: owner-only.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# The data keys (core.crypto) unless ONEWINDOW_DATA_KEY gives them.
ONEWINDOW_DATA_KEY_FILE = DATA_DIR / "data_keys.json"
WHITENOISE_USE_FINDERS = True

# Login-free endpoints (progress query, result verification): queries per client address per window, and
# failed look-ups of one case number (from any address) per its window. Counted in the database: every
# worker process sees the same counts.
ONEWINDOW_PUBLIC_RATE_LIMIT = int(os.environ.get("ONEWINDOW_PUBLIC_RATE_LIMIT", "10"))
ONEWINDOW_PUBLIC_RATE_WINDOW = int(os.environ.get("ONEWINDOW_PUBLIC_RATE_WINDOW", "60"))
ONEWINDOW_PUBLIC_SUBJECT_FAILURES = int(os.environ.get("ONEWINDOW_PUBLIC_SUBJECT_FAILURES", "10"))
ONEWINDOW_PUBLIC_SUBJECT_WINDOW = int(os.environ.get("ONEWINDOW_PUBLIC_SUBJECT_WINDOW", "3600"))

# Supervision of time limits: the hall's hours on a working day (acknowledgment delays count only these),
# the working hours after which an unacknowledged reminder escalates to the supervisor's board, and the
# working days a department has to explain itself under a supervision order (督办).
ONEWINDOW_HALL_HOURS = config.hall_hours()
ONEWINDOW_REMINDER_ESCALATION_HOURS = config.whole_number("ONEWINDOW_REMINDER_ESCALATION_HOURS", 8)
ONEWINDOW_ORDER_EXPLANATION_DAYS = config.whole_number("ONEWINDOW_ORDER_EXPLANATION_DAYS", 3)

# Bearer tokens of the JSON API live this long.
# Staffing (rule 8): working days the no-gap guard looks ahead, stationing changes per department and
# quarter above which a warning goes out, days before a certificate's expiry it is warned of.
ONEWINDOW_STAFFING_GUARD_DAYS = config.positive_int("ONEWINDOW_STAFFING_GUARD_DAYS", 5)
ONEWINDOW_STAFFING_CHANGES_PER_QUARTER = config.positive_int("ONEWINDOW_STAFFING_CHANGES_PER_QUARTER", 4)
ONEWINDOW_CERTIFICATE_WARNING_DAYS = config.positive_int("ONEWINDOW_CERTIFICATE_WARNING_DAYS", 30)
ONEWINDOW_TOKEN_TTL_SECONDS = int(os.environ.get("ONEWINDOW_TOKEN_TTL_SECONDS", str(8 * 3600)))
# Audit entries are kept at least this long (never below 183 days); the application deletes none.
ONEWINDOW_AUDIT_RETENTION_DAYS = config.audit_retention_days()
ONEWINDOW_AUDIT_SEALING = config.audit_sealing()
# The benchmark's floor endpoint (onewindow.site.floor): only in the server `onewindow bench cases` starts.
ONEWINDOW_BENCH_FLOOR = config.flag("ONEWINDOW_BENCH_FLOOR")
# Answers rendered as the selectors built them (core.api.answer_as_is) are also validated against their
# schema and compared: on in the test suite (tests/conftest.py), off in service.
ONEWINDOW_CHECK_ANSWERS = config.flag("ONEWINDOW_CHECK_ANSWERS")
# How often the sealer started by `onewindow serve` looks for committed, unsealed audit entries.
ONEWINDOW_AUDIT_SEAL_INTERVAL = float(os.environ.get("ONEWINDOW_AUDIT_SEAL_INTERVAL", "") or 0.25)

# E-mail copies of inbox notifications (org.notifications), only when ONEWINDOW_EMAIL_BACKEND is set.
_EMAIL = config.email(DATA_DIR)
ONEWINDOW_EMAIL_NOTIFICATIONS = _EMAIL["ONEWINDOW_EMAIL_NOTIFICATIONS"]
EMAIL_BACKEND = _EMAIL["EMAIL_BACKEND"]
EMAIL_HOST = _EMAIL["EMAIL_HOST"]
EMAIL_PORT = _EMAIL["EMAIL_PORT"]
EMAIL_HOST_USER = _EMAIL["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _EMAIL["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _EMAIL["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _EMAIL["EMAIL_USE_SSL"]
EMAIL_TIMEOUT = _EMAIL["EMAIL_TIMEOUT"]
EMAIL_FILE_PATH = _EMAIL["EMAIL_FILE_PATH"]
DEFAULT_FROM_EMAIL = _EMAIL["DEFAULT_FROM_EMAIL"]
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Applicants' text messages (messaging): the sender (file, console, http or a dotted path) and its retries.
ONEWINDOW_SMS_BACKEND = os.environ.get("ONEWINDOW_SMS_BACKEND", "").strip() or "file"
ONEWINDOW_SMS_FILE_PATH = Path(os.environ.get("ONEWINDOW_SMS_FILE_PATH", "").strip() or DATA_DIR / "sms")
ONEWINDOW_SMS_GATEWAY_URL = os.environ.get("ONEWINDOW_SMS_GATEWAY_URL", "").strip()
ONEWINDOW_SMS_GATEWAY_KEY = os.environ.get("ONEWINDOW_SMS_GATEWAY_KEY", "")
ONEWINDOW_SMS_TIMEOUT = int(os.environ.get("ONEWINDOW_SMS_TIMEOUT", "10"))
ONEWINDOW_SMS_MAX_ATTEMPTS = int(os.environ.get("ONEWINDOW_SMS_MAX_ATTEMPTS", "5"))

# Login protection (org.security). Days until a password must be changed (0: never).
ONEWINDOW_PASSWORD_MAX_AGE_DAYS = int(os.environ.get("ONEWINDOW_PASSWORD_MAX_AGE_DAYS", "90"))
# An account is locked after this many failures within the window; an address is refused past either limit.
ONEWINDOW_LOGIN_MAX_FAILURES = int(os.environ.get("ONEWINDOW_LOGIN_MAX_FAILURES", "5"))
ONEWINDOW_LOGIN_WINDOW_MINUTES = int(os.environ.get("ONEWINDOW_LOGIN_WINDOW_MINUTES", "15"))
ONEWINDOW_LOGIN_ADDRESS_MAX_FAILURES = int(os.environ.get("ONEWINDOW_LOGIN_ADDRESS_MAX_FAILURES", "50"))
ONEWINDOW_LOGIN_ADDRESS_PER_MINUTE = int(os.environ.get("ONEWINDOW_LOGIN_ADDRESS_PER_MINUTE", "300"))
# Roles that must log in to the web UI with a second factor (TOTP); everyone else may enrol.
ONEWINDOW_REQUIRE_2FA_ROLES = [
    role.strip()
    for role in os.environ.get("ONEWINDOW_REQUIRE_2FA_ROLES", "sysadmin,secadmin,auditor,supervisor").split(
        ","
    )
    if role.strip()
]
# Idle session timeout in minutes: the three administrators, everyone else.
ONEWINDOW_ADMIN_IDLE_MINUTES = int(os.environ.get("ONEWINDOW_ADMIN_IDLE_MINUTES", "10"))
ONEWINDOW_IDLE_MINUTES = int(os.environ.get("ONEWINDOW_IDLE_MINUTES", "30"))
OTP_TOTP_ISSUER = "OneWindow"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ONEWINDOW_LOG_LEVEL", "WARNING")},
}

# Bodies other than file uploads (JSON, form fields) above this are refused: 413 problem+json on the API.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("ONEWINDOW_MAX_BODY_BYTES", str(1024 * 1024)))
