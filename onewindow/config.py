"""Read the environment in one place (CONTRACT.md's configuration table)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlparse

from onewindow.core.files import write_private

# 网络安全法 art. 21: network logs are kept at least six months.
MIN_AUDIT_RETENTION_DAYS = 183
DEFAULT_AUDIT_RETENTION_DAYS = 365


class ConfigError(ValueError):
    """A setting of the environment that the system refuses to start with; the message says why."""


def data_dir() -> Path:
    """The data dir, created private (0700): it holds the database, the keys and the case files."""
    path = Path(os.environ.get("ONEWINDOW_DATA_DIR", "./var")).resolve()
    if not path.exists():
        path.mkdir(parents=True, mode=0o700)
        path.chmod(0o700)  # mkdir's mode is filtered by the umask
    return path


def files_dir(directory: Path) -> Path:
    """Where the scanned materials' bytes live (ONEWINDOW_FILES_DIR, default <data dir>/files); backups
    copy this folder with the database."""
    from_env = os.environ.get("ONEWINDOW_FILES_DIR", "").strip()
    return Path(from_env).resolve() if from_env else directory / "files"


def mebibytes(name: str, default: int) -> int:
    """A size limit in MiB from the environment, as bytes."""
    value = os.environ.get(name, "").strip()
    return int(float(value) * 1024 * 1024) if value else default * 1024 * 1024


def secret_key(directory: Path) -> str:
    """The key from the environment, else one generated once into the data dir."""
    from_env = os.environ.get("ONEWINDOW_SECRET_KEY")
    if from_env:
        return from_env
    key_file = directory / "secret_key"
    if not key_file.exists():  # created once, by the first of the processes that may start at once
        write_private(key_file, secrets.token_urlsafe(50), only_if_new=True)
    return key_file.read_text().strip()


def public_url() -> str:
    """ONEWINDOW_PUBLIC_URL: the address applicants reach (links and QR codes, allowed host, https)."""
    url = os.environ.get("ONEWINDOW_PUBLIC_URL", "").strip() or "http://127.0.0.1:8000"
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ValueError(f"ONEWINDOW_PUBLIC_URL: expected http(s)://host[:port], got {url!r}")
    return url.rstrip("/")


def allowed_hosts(url: str) -> list[str]:
    """The public URL's host, the local server's names, and ONEWINDOW_ALLOWED_HOSTS (extra, comma-separated):
    a request naming any other Host is refused (400), so no link is ever built on a forged one."""
    hosts = [urlparse(url).hostname or "", "127.0.0.1", "localhost", "[::1]"]
    hosts += [h.strip() for h in os.environ.get("ONEWINDOW_ALLOWED_HOSTS", "").split(",") if h.strip()]
    return list(dict.fromkeys(h for h in hosts if h))


def positive_int(name: str, default: int) -> int:
    """A whole number ≥ 0 from the environment; anything else refuses to start, naming the variable."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit():
        raise ConfigError(f"{name}: expected a whole number >= 0, got {value!r}")
    return int(value)


def flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def database(directory: Path) -> dict:
    """Django's DATABASES['default'] from ONEWINDOW_DATABASE_URL, or SQLite (WAL) in the data dir."""
    url = os.environ.get("ONEWINDOW_DATABASE_URL", "").strip()
    if not url or url.startswith("sqlite"):
        name = directory / "onewindow.sqlite3"
        if url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
            name = Path(url[len("sqlite:///") :])
        return {
            "ENGINE": "onewindow.core.backends.sqlite3",  # Django's, writers queued on a file lock
            "NAME": str(name),
            "OPTIONS": {
                # Writers queue on the lock instead of failing with "database is locked".
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            },
            "TEST": {"NAME": str(directory / "test-onewindow.sqlite3")},
            # Kept open as on PostgreSQL: a new connection (open, PRAGMAs) per request costs ~10 ms.
            "CONN_MAX_AGE": 600,
        }
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"ONEWINDOW_DATABASE_URL: unsupported scheme {parsed.scheme!r}")
    options = dict(parse_qsl(parsed.query))
    return {
        "ENGINE": "onewindow.core.backends.postgresql",  # Django's, the health check asked of idle connections
        "NAME": unquote(parsed.path.lstrip("/")) or "onewindow",
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or ""),
        "CONN_MAX_AGE": int(options.pop("conn_max_age", 60)),
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": options,
    }


def audit_sealing() -> str:
    """ONEWINDOW_AUDIT_SEALING: `deferred` (the default: writers insert unsealed entries and never wait for
    each other; the sealer chains them after commit) or `inline` (each writer seals its own entry under the
    chain head's row lock, so every audited write of the system queues on that one row)."""
    raw = os.environ.get("ONEWINDOW_AUDIT_SEALING", "").strip().lower() or "deferred"
    if raw not in ("inline", "deferred"):
        raise ConfigError(f"ONEWINDOW_AUDIT_SEALING must be inline or deferred, not {raw!r}")
    return raw


def audit_retention_days() -> int:
    """ONEWINDOW_AUDIT_RETENTION_DAYS: how long audit entries must be kept; less than six months is refused.

    Nothing purges the audit log today (its rows cannot even be deleted); the setting is the floor any
    future archiving must respect.
    """
    raw = os.environ.get("ONEWINDOW_AUDIT_RETENTION_DAYS", "").strip() or str(DEFAULT_AUDIT_RETENTION_DAYS)
    try:
        days = int(raw)
    except ValueError:
        raise ConfigError(
            f"ONEWINDOW_AUDIT_RETENTION_DAYS must be a whole number of days, not {raw!r}"
        ) from None
    if days < MIN_AUDIT_RETENTION_DAYS:
        raise ConfigError(
            f"ONEWINDOW_AUDIT_RETENTION_DAYS={days} is below the legal minimum of {MIN_AUDIT_RETENTION_DAYS} "
            "days (six months, Cybersecurity Law art. 21)"
        )
    return days


EMAIL_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
}


def email(directory: Path) -> dict:
    """Django's e-mail settings from ONEWINDOW_EMAIL_*; `ONEWINDOW_EMAIL_NOTIFICATIONS` is True only when
    ONEWINDOW_EMAIL_BACKEND names a backend (`smtp`, `console`, `file` or a dotted path): without it the
    inbox sends no copies."""
    backend = os.environ.get("ONEWINDOW_EMAIL_BACKEND", "").strip()
    security = os.environ.get("ONEWINDOW_EMAIL_SECURITY", "").strip().lower() or "none"
    if security not in ("none", "starttls", "ssl"):
        raise ConfigError(f"ONEWINDOW_EMAIL_SECURITY must be none, starttls or ssl, not {security!r}")
    port = os.environ.get("ONEWINDOW_EMAIL_PORT", "").strip() or ("465" if security == "ssl" else "25")
    try:
        port_number, timeout = int(port), int(os.environ.get("ONEWINDOW_EMAIL_TIMEOUT", "").strip() or "10")
    except ValueError:
        raise ConfigError("ONEWINDOW_EMAIL_PORT and ONEWINDOW_EMAIL_TIMEOUT must be whole numbers") from None
    return {
        "ONEWINDOW_EMAIL_NOTIFICATIONS": bool(backend),
        "EMAIL_BACKEND": EMAIL_BACKENDS.get(backend, backend)
        or "django.core.mail.backends.dummy.EmailBackend",
        "EMAIL_HOST": os.environ.get("ONEWINDOW_EMAIL_HOST", "").strip() or "localhost",
        "EMAIL_PORT": port_number,
        "EMAIL_HOST_USER": os.environ.get("ONEWINDOW_EMAIL_USER", ""),
        "EMAIL_HOST_PASSWORD": os.environ.get("ONEWINDOW_EMAIL_PASSWORD", ""),
        "EMAIL_USE_TLS": security == "starttls",
        "EMAIL_USE_SSL": security == "ssl",
        "EMAIL_TIMEOUT": timeout,
        "EMAIL_FILE_PATH": os.environ.get("ONEWINDOW_EMAIL_FILE_PATH", "").strip() or str(directory / "mail"),
        "DEFAULT_FROM_EMAIL": os.environ.get("ONEWINDOW_EMAIL_FROM", "").strip() or "onewindow@localhost",
    }


DEFAULT_HALL_HOURS = "09:00-12:00,13:30-17:00"


def hall_hours() -> list[tuple[str, str]]:
    """ONEWINDOW_HALL_HOURS: the hall's opening hours on a working day, as comma-separated HH:MM-HH:MM
    periods in order (default 09:00-12:00,13:30-17:00); delays of acknowledgments count only these."""
    raw = os.environ.get("ONEWINDOW_HALL_HOURS", "").strip() or DEFAULT_HALL_HOURS
    periods, last = [], "00:00"
    for part in raw.split(","):
        start, sep, end = part.strip().partition("-")
        start, end = start.strip(), end.strip()
        if not sep or not (_hhmm(start) and _hhmm(end)) or not (last <= start < end):
            raise ConfigError(
                f"ONEWINDOW_HALL_HOURS: expected ordered HH:MM-HH:MM periods such as {DEFAULT_HALL_HOURS!r}, "
                f"got {raw!r}"
            )
        periods.append((start, end))
        last = end
    return periods


def _hhmm(value: str) -> bool:
    hours, sep, minutes = value.partition(":")
    return (
        bool(sep)
        and len(hours) == 2
        and len(minutes) == 2
        and (hours + minutes).isdigit()
        and (int(hours) < 24 and int(minutes) < 60)
    )


def whole_number(name: str, default: int, *, minimum: int = 1) -> int:
    """A whole number from the environment (at least `minimum`); anything else refuses to start."""
    raw = os.environ.get(name, "").strip() or str(default)
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {value}")
    return value
