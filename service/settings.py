"""Configuration from the environment.

The embedded default needs nothing: a SQLite file under ``var/`` and an
in-process broadcast. Production sets ``DATABASE_URL`` (PostgreSQL) and
``REDIS_URL``; the same code serves both.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = REPO_ROOT / "var" / "online_activity.db"


def _normalise_database_url(url: str) -> str:
    """Accept the URLs operators paste (``postgres://``) and pick async drivers."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite:///"):
        url = "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
    return url


def installation_namespace(database_url: str, broadcast_url: str) -> str:
    """The default channel namespace: the same for every process of one
    installation (one database), different for two installations on one
    Redis and for each Redis database number, which pub/sub ignores (issue
    10: "a staging and a production install on one Redis cross-deliver
    entries"). The database is named by its identity, not its credentials:
    driver, host, port and database name (a SQLite file by its absolute path)."""
    database = urlsplit(_normalise_database_url(database_url))
    if database.scheme.startswith("sqlite"):
        path = database.path.removeprefix("/")
        identity = f"sqlite:{Path(path).resolve() if path and path != ':memory:' else path}"
    else:
        engine = database.scheme.split("+")[0]
        host = (database.hostname or "localhost").lower()
        identity = f"{engine}://{host}:{database.port or ''}{database.path}"
    redis_db = urlsplit(broadcast_url).path.strip("/") or "0"
    digest = hashlib.sha256(identity.encode()).hexdigest()[:12]
    return f"oa.{digest}.db{redis_db}"


def _choice(name: str, choices: tuple[str, ...]) -> str:
    """One of ``choices`` (empty when unset); anything else is refused."""
    value = os.environ.get(name, "").strip().lower()
    if value and value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite+aiosqlite:///{DEFAULT_SQLITE_PATH}"
    broadcast_url: str = "memory://"
    dev_mode: bool = True
    host: str = "127.0.0.1"
    port: int = 8000
    allowed_origins: tuple[str, ...] = ()
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = "no-reply@online-activity.local"
    outbox_dir: Path = field(default=REPO_ROOT / "var" / "outbox")
    db_pool_size: int = 10
    # Overload (models/db.py): the longest any statement may run (PostgreSQL
    # statement_timeout), and the longest a write waits for a connection or
    # a lock before it is answered 503 with Retry-After; 0 disables either.
    db_statement_timeout_seconds: float = 15.0
    db_write_wait_seconds: float = 5.0
    # How often a quiet process checks whether to give memory back (service/memory.py).
    memory_check_seconds: float = 10.0
    purge_interval_seconds: float = 3600.0
    # Live: every action needs the edit-lock token; lease TTL; websocket init wait.
    require_edit_lock: bool = True
    edit_lock_ttl_seconds: float = 120.0
    ws_init_timeout_seconds: float = 10.0
    # A websocket frame not sent in this long (the client stopped reading)
    # closes the socket with 1013; 0 disables (service/backpressure.py).
    ws_send_timeout_seconds: float = 10.0
    # Staff tokens resolved in the last N seconds skip the lookup; 0 disables.
    token_cache_seconds: float = 5.0
    # The longest a badge is kept, even with no change heard of; 0 disables.
    badge_cache_seconds: float = 5.0
    # Operators: "json" or "text" logs (service/logs.py), seconds a stopping
    # process gives requests in flight (service/shutdown.py).
    log_format: str = "text"
    log_level: str = "info"
    shutdown_timeout_seconds: float = 20.0
    # Every broadcast channel's prefix (BROADCAST_NAMESPACE); empty: derived
    # from the database and the Redis database number (``channel_namespace``).
    broadcast_namespace: str = ""
    # INTROSPECTION: on | staff | off; empty: on in dev mode, else off.
    introspection: str = ""
    # Websockets one staff member may hold open (all processes together),
    # and how long a crashed process's sockets still count (service/socket_quota.py).
    max_sockets_per_staff: int = 10
    socket_lease_seconds: float = 60.0

    @property
    def introspection_policy(self) -> str:
        """Who may introspect the schema (schema/introspection.py)."""
        return self.introspection or ("on" if self.dev_mode else "off")

    @property
    def channel_namespace(self) -> str:
        return self.broadcast_namespace or installation_namespace(
            self.database_url, self.broadcast_url
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        database_url = _normalise_database_url(
            env.get("DATABASE_URL", f"sqlite+aiosqlite:///{DEFAULT_SQLITE_PATH}")
        )
        broadcast_url = env.get("BROADCAST_URL") or env.get("REDIS_URL") or "memory://"
        origins = tuple(o.strip() for o in env.get("ALLOWED_ORIGINS", "").split(",") if o.strip())
        return cls(
            database_url=database_url,
            broadcast_url=broadcast_url,
            dev_mode=_bool("DEV_MODE", default="DATABASE_URL" not in env),
            host=env.get("HOST", "127.0.0.1"),
            port=int(env.get("PORT", "8000")),
            allowed_origins=origins,
            smtp_host=env.get("SMTP_HOST") or None,
            smtp_port=int(env.get("SMTP_PORT", "25")),
            smtp_username=env.get("SMTP_USERNAME") or None,
            smtp_password=env.get("SMTP_PASSWORD") or None,
            smtp_starttls=_bool("SMTP_STARTTLS", default=False),
            mail_from=env.get("MAIL_FROM", "no-reply@online-activity.local"),
            outbox_dir=Path(env.get("OUTBOX_DIR", str(REPO_ROOT / "var" / "outbox"))),
            db_pool_size=int(env.get("DB_POOL_SIZE", "10")),
            db_statement_timeout_seconds=float(env.get("DB_STATEMENT_TIMEOUT_SECONDS", "15")),
            db_write_wait_seconds=float(env.get("DB_WRITE_WAIT_SECONDS", "5")),
            memory_check_seconds=float(env.get("MEMORY_CHECK_SECONDS", "10")),
            purge_interval_seconds=float(env.get("PURGE_INTERVAL_SECONDS", "3600")),
            require_edit_lock=_bool("REQUIRE_EDIT_LOCK", default=True),
            edit_lock_ttl_seconds=float(env.get("EDIT_LOCK_TTL_SECONDS", "120")),
            ws_init_timeout_seconds=float(env.get("WS_INIT_TIMEOUT_SECONDS", "10")),
            ws_send_timeout_seconds=float(env.get("WS_SEND_TIMEOUT_SECONDS", "10")),
            token_cache_seconds=float(env.get("TOKEN_CACHE_SECONDS", "5")),
            badge_cache_seconds=float(env.get("BADGE_CACHE_SECONDS", "5")),
            log_format=env.get("LOG_FORMAT")
            or ("text" if _bool("DEV_MODE", default="DATABASE_URL" not in env) else "json"),
            log_level=env.get("LOG_LEVEL") or "info",
            shutdown_timeout_seconds=float(env.get("SHUTDOWN_TIMEOUT_SECONDS", "20")),
            broadcast_namespace=env.get("BROADCAST_NAMESPACE", "").strip(),
            introspection=_choice("INTROSPECTION", ("on", "staff", "off")),
            max_sockets_per_staff=int(env.get("MAX_SOCKETS_PER_STAFF", "10")),
            socket_lease_seconds=float(env.get("SOCKET_LEASE_SECONDS", "60")),
        )
