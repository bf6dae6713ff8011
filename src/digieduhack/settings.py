"""Configuration from DIGIEDUHACK_* environment variables, read once into a frozen dataclass."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
ENVIRONMENTS = ("development", "production", "test")


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _dev_secret(var_dir: Path) -> str:
    """A secret key kept under var/ so development sessions survive restarts."""
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


@dataclass(frozen=True)
class Settings:
    environment: str = "development"
    database_url: str = f"sqlite+aiosqlite:///{ROOT / 'var' / 'digieduhack.sqlite3'}"
    secret_key: str = "insecure-test-key-insecure-test-key"  # noqa: S105 (tests only; from_env never uses it)
    base_url: str = "http://127.0.0.1:8000"
    templates_dir: Path = ROOT / "templates"
    static_dir: Path = ROOT / "static"
    locales_dir: Path = ROOT / "locales"
    session_days: int = 14
    # argon2 cost; tests lower it, production keeps the library's defaults (about 50 ms here).
    argon2_time_cost: int = 3
    argon2_memory_cost: int = 65536
    # attempts per client (IP) and per email in a window of rate_limit_window seconds
    login_attempts: int = 10  # failed log-ins
    signup_attempts: int = 20
    # joins, moves and withdrawals per account (not per client: a classroom joins from one address)
    join_attempts: int = 30
    # password-reset requests and new verification links (each one sends an e-mail)
    reset_attempts: int = 5
    verify_resend_attempts: int = 3
    # announcements sent per account and hour (each one may e-mail thousands of people)
    announcement_attempts: int = 10
    rate_limit_window: int = 300
    sqlite_busy_timeout_ms: int = 5000
    db_pool_size: int = 10
    db_pool_timeout: float = 10.0
    # TEST ONLY: switches the capacity lock off so the concurrency test can prove it would overbook.
    test_disable_join_lock: bool = False
    page_size: int = 20
    # e-mail: smtp://user:pass@host:587?starttls=1 or smtps://...:465; None keeps messages in the outbox
    smtp_url: str | None = None
    mail_from: str = "DigiEduHack <no-reply@localhost>"
    mail_poll_seconds: float = 5.0  # how often the in-app sender looks for due messages
    mail_max_attempts: int = 10  # then a message is failed (it stays in the outbox with its last error)
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        return self.environment == "production"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        e = dict(os.environ if env is None else env)

        def get(name: str) -> str | None:
            return e.get(f"DIGIEDUHACK_{name}")

        environment = get("ENV") or "development"
        if environment not in ENVIRONMENTS:
            raise SystemExit(f"DIGIEDUHACK_ENV must be one of {', '.join(ENVIRONMENTS)}, not {environment!r}")
        secret = get("SECRET_KEY")
        if not secret:
            if environment == "production":
                raise SystemExit("DIGIEDUHACK_SECRET_KEY is required when DIGIEDUHACK_ENV=production")
            secret = _dev_secret(ROOT / "var")
        disable_lock = _flag(get("TEST_DISABLE_JOIN_LOCK"), False)
        if disable_lock and environment != "test":
            raise SystemExit("DIGIEDUHACK_TEST_DISABLE_JOIN_LOCK is only allowed with DIGIEDUHACK_ENV=test")
        defaults = cls()
        smtp_url = get("SMTP_URL") or None
        if smtp_url and urlsplit(smtp_url).scheme not in ("smtp", "smtps"):
            raise SystemExit(
                "DIGIEDUHACK_SMTP_URL must look like smtp://user:password@host:587 or smtps://..."
            )
        return cls(
            environment=environment,
            database_url=get("DATABASE_URL") or defaults.database_url,
            secret_key=secret,
            base_url=get("BASE_URL") or defaults.base_url,
            login_attempts=int(get("LOGIN_ATTEMPTS") or defaults.login_attempts),
            signup_attempts=int(get("SIGNUP_ATTEMPTS") or defaults.signup_attempts),
            join_attempts=int(get("JOIN_ATTEMPTS") or defaults.join_attempts),
            announcement_attempts=int(get("ANNOUNCEMENT_ATTEMPTS") or defaults.announcement_attempts),
            reset_attempts=int(get("RESET_ATTEMPTS") or defaults.reset_attempts),
            db_pool_size=int(get("DB_POOL_SIZE") or defaults.db_pool_size),
            db_pool_timeout=float(get("DB_POOL_TIMEOUT") or defaults.db_pool_timeout),
            test_disable_join_lock=disable_lock,
            smtp_url=smtp_url,
            mail_from=get("MAIL_FROM") or defaults.mail_from,
            mail_poll_seconds=float(get("MAIL_POLL_SECONDS") or defaults.mail_poll_seconds),
            mail_max_attempts=int(get("MAIL_MAX_ATTEMPTS") or defaults.mail_max_attempts),
        )
