"""Configuration classes; every setting can be overridden by an environment variable.

Nothing here fails at import time: `ProductionConfig.validate()` is called by
`create_app` so a missing secret stops a production server, not a test run.
"""

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain `postgres://` / `postgresql://` URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    """Development defaults: SQLite under instance/, e-mail to the log."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'circle.db'}")
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    #: Redis URL shared by all server processes for Socket.IO broadcasts.
    SOCKETIO_MESSAGE_QUEUE = os.environ.get("SOCKETIO_MESSAGE_QUEUE") or None
    SOCKETIO_ASYNC_MODE = os.environ.get("SOCKETIO_ASYNC_MODE", "gevent")

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True
    #: Failed logins (only failed ones count) per client address, and per account.
    LOGIN_ADDRESS_LIMIT = os.environ.get(
        "LOGIN_ADDRESS_LIMIT", "30 per minute;200 per hour"
    )
    LOGIN_ACCOUNT_LIMIT = os.environ.get(
        "LOGIN_ACCOUNT_LIMIT", "5 per minute;10 per 15 minutes"
    )
    RESET_RATE_LIMIT = os.environ.get("RESET_RATE_LIMIT", "5 per minute;20 per hour")

    #: When set, e-mail goes out through this SMTP server; otherwise to the log.
    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = _int("MAIL_PORT", 587)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_TIMEOUT = _int("MAIL_TIMEOUT", 10)
    MAIL_DEFAULT_SENDER = os.environ.get(
        "MAIL_DEFAULT_SENDER", "Circle <noreply@circle.localhost>"
    )

    #: Answers from calendar apps (docs/calendar.md): every invite names
    #: `<REPLY_PREFIX>+<signed token>@<REPLY_DOMAIN>` as its ORGANIZER; mail to
    #: that domain must reach `flask circle inbox` (SMTP or LMTP).
    REPLY_DOMAIN = os.environ.get("REPLY_DOMAIN", "circle.localhost")
    REPLY_PREFIX = os.environ.get("REPLY_PREFIX", "rsvp")
    #: The ORGANIZER of sessions in subscription feeds, which nobody answers.
    CALENDAR_ORGANIZER_EMAIL = os.environ.get(
        "CALENDAR_ORGANIZER_EMAIL", "noreply@circle.localhost"
    )
    #: Where `flask circle inbox` listens, and whether it speaks LMTP.
    INBOX_HOST = os.environ.get("INBOX_HOST", "127.0.0.1")
    INBOX_PORT = _int("INBOX_PORT", 8025)
    INBOX_LMTP = _bool("INBOX_LMTP", False)
    #: Inbound mails larger than this are refused (a REPLY is a few kB).
    INBOX_MAX_BYTES = _int("INBOX_MAX_BYTES", 1_000_000)
    #: How long before a session people are reminded of it.
    REMINDER_BEFORE = timedelta(hours=_int("REMINDER_BEFORE_HOURS", 48))

    # -- delivery: the outbox and the background jobs (docs/delivery.md) ------
    #: `python wsgi.py` (`make run`) runs the jobs in its own process; production
    #: runs `flask circle worker` beside gunicorn instead.
    JOBS_IN_SERVER = _bool("JOBS_IN_SERVER", True)
    #: How often a worker looks for mail to send (new mail wakes it in `make run`).
    OUTBOX_POLL_SECONDS = _int("OUTBOX_POLL_SECONDS", 5)
    #: Messages sent over one SMTP connection.
    OUTBOX_BATCH_SIZE = _int("OUTBOX_BATCH_SIZE", 50)
    #: A message that failed this often (temporarily) is marked failed.
    OUTBOX_MAX_ATTEMPTS = _int("OUTBOX_MAX_ATTEMPTS", 10)
    #: The wait after the first failed try; it doubles each time, up to the max.
    OUTBOX_RETRY_BASE_SECONDS = _int("OUTBOX_RETRY_BASE_SECONDS", 60)
    OUTBOX_RETRY_MAX_SECONDS = _int("OUTBOX_RETRY_MAX_SECONDS", 3600)
    #: How long a worker's claim on a batch lasts; a dead worker's batch is
    #: taken over after this.
    OUTBOX_CLAIM_SECONDS = _int("OUTBOX_CLAIM_SECONDS", 300)
    #: Sent and discarded messages are deleted after this many days.
    OUTBOX_KEEP_DAYS = _int("OUTBOX_KEEP_DAYS", 30)
    #: Deliver right after each commit, in the committing process (tests).
    OUTBOX_DELIVER_AFTER_COMMIT = False
    REMINDER_INTERVAL_SECONDS = _int("REMINDER_INTERVAL_SECONDS", 15 * 60)
    #: The hour (Dutch time) at which the daily summaries are sent.
    DIGEST_HOUR = _int("DIGEST_HOUR", 7)
    #: A scheduled job's run is another worker's to take over after this.
    JOB_LEASE_SECONDS = _int("JOB_LEASE_SECONDS", 3600)

    #: Absolute base URL used in e-mails and calendar files.
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")

    BABEL_DEFAULT_LOCALE = "nl"
    BABEL_DEFAULT_TIMEZONE = "Europe/Amsterdam"
    LANGUAGES = ("nl", "en")

    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    FORCE_HTTPS = _bool("FORCE_HTTPS", False)
    #: Number of trusted proxies in front of Circle (for client IPs and https).
    PROXY_COUNT = _int("PROXY_COUNT", 0)

    #: Werkzeug's scrypt: memory-hard, the current recommendation.
    PASSWORD_HASH_METHOD = "scrypt"
    INVITATION_TTL = timedelta(days=_int("INVITATION_TTL_DAYS", 14))
    PASSWORD_RESET_TTL = timedelta(minutes=_int("PASSWORD_RESET_TTL_MINUTES", 60))
    #: Staff (admins, advisers) must use two-factor login; on by default in production.
    REQUIRE_STAFF_2FA = _bool("REQUIRE_STAFF_2FA", False)
    #: Months after a programme's end that its participants' accounts are kept;
    #: `flask circle apply-retention` anonymises those who took part in no later one.
    RETENTION_MONTHS_AFTER_PROGRAMME = _int("RETENTION_MONTHS_AFTER_PROGRAMME", 24)
    #: How long the link in the verification mail of a new account works.
    EMAIL_VERIFICATION_TTL = timedelta(hours=_int("EMAIL_VERIFICATION_TTL_HOURS", 48))
    MAX_CONTENT_LENGTH = 32 * 1024 * 1024
    #: One attachment's limit; a post may carry MAX_ATTACHMENTS of them.
    MAX_ATTACHMENT_BYTES = _int("MAX_ATTACHMENT_MB", 10) * 1024 * 1024
    MAX_ATTACHMENTS = 5
    #: Where attachments are stored; default instance/uploads (never under static/).
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER") or None
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    @classmethod
    def validate(cls) -> None:
        """Refuse to start with settings that are unsafe; development accepts all."""


class DevelopmentConfig(Config):
    pass


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("TEST_DATABASE_URL", "sqlite://")
    )
    # Socket handlers run in the test process; gevent is for serving only.
    SOCKETIO_ASYNC_MODE = "threading"
    SOCKETIO_MESSAGE_QUEUE = None
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = False
    # Still a real salted hash, but cheap: tests create hundreds of accounts.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    MAIL_SERVER = None
    # The suite sees each mail right after the commit that queued it, delivered
    # by the worker's own code; tests of the worker itself switch this off.
    OUTBOX_DELIVER_AFTER_COMMIT = True
    JOBS_IN_SERVER = False
    BASE_URL = "http://localhost"
    SERVER_NAME = None


class ProductionConfig(Config):
    REQUIRE_STAFF_2FA = _bool("REQUIRE_STAFF_2FA", True)
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    FORCE_HTTPS = _bool("FORCE_HTTPS", True)

    @classmethod
    def validate(cls) -> None:
        missing = [
            name
            for name in ("SECRET_KEY", "DATABASE_URL", "BASE_URL")
            if not os.environ.get(name)
        ]
        if missing:
            raise RuntimeError(
                "Circle refuses to start in production without: " + ", ".join(missing)
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestConfig,
    "production": ProductionConfig,
}
