"""Configuration from the environment, typed and validated (pydantic-settings).

The embedded default needs nothing: a SQLite file under ``var/`` and an
in-process broadcast. Production sets ``DATABASE_URL`` (PostgreSQL) and
``REDIS_URL``; the same code serves both.

Each field is one environment variable (its ``validation_alias``), with its
type, bounds and the description README's "Configuration" table is made
from (``python -m service.settings_doc --write``; ``tests/test_settings.py``
fails when they differ). ``Settings.from_env()`` is the one door to the environment;
``Settings(...)`` takes only what it is given, so tests never pick up the
machine's variables. A value that does not parse is refused with
``InvalidSettings``, whose message names every bad variable on one line. An
empty variable counts as unset.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, TypeAdapter, ValidationError, field_validator
from pydantic import model_validator as _model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = REPO_ROOT / "var" / "online_activity.db"

# Variables whose value may carry a password: never echoed in an error.
SECRET_VARIABLES = frozenset({"DATABASE_URL", "BROADCAST_URL", "REDIS_URL", "SMTP_PASSWORD"})


class InvalidSettings(ValueError):
    """The environment has a value that does not parse; the message names each variable."""


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


def _var(name: str, default: Any, description: str, *, shown: str | None = None, **kw: Any) -> Any:
    """A field read from the environment variable ``name``; ``shown`` is the
    default as README's table states it, where the value alone would mislead."""
    extra: dict[str, Any] | None = {"shown_default": shown} if shown is not None else None
    return Field(
        default=default,
        validation_alias=name,
        description=description,
        json_schema_extra=extra,
        **kw,
    )


Seconds = Annotated[float, Field(ge=0, allow_inf_nan=False)]
PositiveSeconds = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Port = Annotated[int, Field(ge=0, le=65535)]
_BOOL: TypeAdapter[bool] = TypeAdapter(bool)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        frozen=True,
        case_sensitive=True,
        env_ignore_empty=True,
        validate_by_name=True,
        validate_by_alias=True,
        validate_default=True,
        extra="forbid",
    )

    database_url: str = _var(
        "DATABASE_URL",
        f"sqlite+aiosqlite:///{DEFAULT_SQLITE_PATH}",
        "`postgresql://user:pass@host/db` (also `postgres://`) or `sqlite:///path`",
        shown="SQLite under `var/`",
    )
    broadcast_url: str = Field(
        default="memory://",
        validation_alias=AliasChoices("BROADCAST_URL", "REDIS_URL"),
        description="Redis for live updates across processes, e.g. `redis://host:6379/0`",
    )
    broadcast_namespace: str = _var(
        "BROADCAST_NAMESPACE",
        "",
        "prefix of every live channel on Redis. Redis pub/sub ignores the database number, so "
        "two installations sharing one Redis (staging and production) need different ones. The "
        "default is derived from the database's identity (driver, host, port, database name; not "
        "the credentials) and the Redis database number, so every process of one installation "
        "shares it; set it explicitly when your processes reach one database under different "
        "host names",
        shown="derived",
    )
    dev_mode: bool = _var(
        "DEV_MODE",
        True,
        "serve GraphiQL on `/graphql`, and the demo staff picker on the sign-in page "
        "(`/dev/demo-staff`)",
        shown="on unless `DATABASE_URL` is set",
    )
    introspection: Literal["", "on", "staff", "off"] = _var(
        "INTROSPECTION",
        "",
        "who may introspect the schema (`__schema`, `__type`): `on` anyone, `staff` a signed-in "
        "staff member, `off` nobody. A refused document gets one error with code "
        "`INTROSPECTION_DISABLED`; `__typename` is always answered. Generate clients from "
        "`schema.graphql` (or `print-schema`) instead",
        shown="`on` in dev mode, else `off`",
    )
    host: str = _var("HOST", "127.0.0.1", "the address `serve` listens on")
    port: Port = _var("PORT", 8000, "the port `serve` listens on")
    allowed_origins: Annotated[tuple[str, ...], NoDecode] = _var(
        "ALLOWED_ORIGINS", (), "comma-separated origins allowed to open websockets cross-origin"
    )
    smtp_host: str | None = _var(
        "SMTP_HOST",
        None,
        'the SMTP server for "email families"; without it mail goes to the outbox',
    )
    smtp_port: Annotated[int, Field(ge=1, le=65535)] = _var("SMTP_PORT", 25, "its port")
    smtp_username: str | None = _var("SMTP_USERNAME", None, "log in as this user, if set")
    smtp_password: str | None = _var("SMTP_PASSWORD", None, "with this password", repr=False)
    smtp_starttls: bool = _var("SMTP_STARTTLS", False, "upgrade the connection with STARTTLS")
    mail_from: str = _var("MAIL_FROM", "no-reply@online-activity.local", "sender address")
    outbox_dir: Path = _var(
        "OUTBOX_DIR",
        REPO_ROOT / "var" / "outbox",
        "where mail goes in the embedded default",
        shown="`var/outbox`",
    )
    db_pool_size: Annotated[int, Field(ge=1)] = _var(
        "DB_POOL_SIZE",
        10,
        "PostgreSQL connections per process for reads (plus half as many overflow); writes have "
        "a pool of their own of half that size (plus as many overflow), so reads and live work "
        "cannot take the connections writes need; live replays and badge recounts use at most "
        "half the read pool at once",
    )
    # Overload (models/db.py).
    db_write_wait_seconds: Seconds = _var(
        "DB_WRITE_WAIT_SECONDS",
        5.0,
        "the longest a write waits for a database connection or a lock (PostgreSQL "
        "`lock_timeout`, SQLite's busy timeout) before it is refused: portal calls get HTTP 503 "
        "with `Retry-After`, staff requests a `DATABASE_UNAVAILABLE` error with `retryAfter`; "
        "nothing is committed. `0`: wait as long as it takes",
    )
    db_statement_timeout_seconds: Seconds = _var(
        "DB_STATEMENT_TIMEOUT_SECONDS",
        15.0,
        "PostgreSQL `statement_timeout` of the server's connections: a frozen database fails a "
        "request with `DATABASE_UNAVAILABLE` (`Retry-After`) instead of hanging it. `0` disables",
    )
    memory_check_seconds: Seconds = _var(
        "MEMORY_CHECK_SECONDS",
        10.0,
        "how often a process checks its resident memory: once it grew by a tenth and the process "
        "is quiet, one full garbage collection and `malloc_trim` give back what a burst of load "
        "left (`service/memory.py`). `0` disables",
    )
    purge_interval_seconds: Seconds = _var(
        "PURGE_INTERVAL_SECONDS",
        3600.0,
        "how often a server purges expired entries. `0` disables",
    )
    require_edit_lock: bool = _var(
        "REQUIRE_EDIT_LOCK", True, "every action needs the window-or-widget edit lock's token"
    )
    edit_lock_ttl_seconds: PositiveSeconds = _var(
        "EDIT_LOCK_TTL_SECONDS", 120.0, "how long an edit lock lasts without a renewal"
    )
    ws_init_timeout_seconds: PositiveSeconds = _var(
        "WS_INIT_TIMEOUT_SECONDS",
        10.0,
        "how long a new websocket may take to send `connection_init`",
    )
    ws_send_timeout_seconds: Seconds = _var(
        "WS_SEND_TIMEOUT_SECONDS",
        10.0,
        "a websocket whose client has not taken one frame in this long (it stopped reading) is "
        "closed with 1013; the client resumes with `afterSequence`. `0` disables",
    )
    ws_close_grace_seconds: PositiveSeconds = _var(
        "WS_CLOSE_GRACE_SECONDS",
        10.0,
        "how long such a socket's 1013 close frame may wait for its client to read it before the "
        "connection is dropped",
    )
    query_time_budget_seconds: PositiveSeconds = _var(
        "QUERY_TIME_BUDGET_SECONDS",
        0.25,
        "the server CPU time one GraphQL document may take to be parsed and validated; past it "
        "the request gets `QUERY_TOO_SLOW` and the process goes on serving others (the shape "
        "limits, such as 500 selections and 100 fragment spreads, come first)",
    )
    token_cache_seconds: Seconds = _var(
        "TOKEN_CACHE_SECONDS",
        5.0,
        "how long a server process remembers a valid staff token (and the staff member's "
        "permissions and locations) instead of looking it up on every request. A revoked token, "
        "a deactivated staff member or changed permissions take effect within this many seconds, "
        "on open websockets too (about a fifth of it later at most); `0` disables the cache "
        "(immediate effect, one query more per request)",
    )
    badge_cache_seconds: Seconds = _var(
        "BADGE_CACHE_SECONDS",
        5.0,
        "the longest a server process keeps an organisation's badge without hearing of a change. "
        "A badge is forgotten as soon as the organisation changes (on this process at commit, on "
        "the others when the change's message arrives), is never kept while Redis is "
        "unreachable, and is read again after a reconnect; this limit is only a safety net. `0` "
        "reads the counters on every request",
    )
    log_format: Literal["text", "json"] = _var(
        "LOG_FORMAT",
        "text",
        "`json`: one JSON object per line (production); `text`: readable lines for a terminal. "
        'See "Operating it"',
        shown="`text` in dev mode, else `json`",
    )
    log_level: Literal["debug", "info", "warning", "error", "critical"] = _var(
        "LOG_LEVEL",
        "info",
        "`debug`, `info` (one line per GraphQL operation), `warning`, `error`, `critical`; "
        "`serve --log-level` overrides it",
    )
    shutdown_timeout_seconds: Seconds = _var(
        "SHUTDOWN_TIMEOUT_SECONDS",
        20.0,
        "under `serve`, on SIGTERM: how long requests in flight may take before they are "
        "cancelled (and their units of work rolled back)",
    )
    max_sockets_per_staff: Annotated[int, Field(ge=1)] = _var(
        "MAX_SOCKETS_PER_STAFF",
        10,
        'websockets one staff member may hold open, all processes together (see "Limits")',
    )
    socket_lease_seconds: PositiveSeconds = _var(
        "SOCKET_LEASE_SECONDS",
        60.0,
        "how long the sockets of a process that died without closing them still count",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Only what the caller passes: from_env() is the one door to the environment.
        return (init_settings,)

    @classmethod
    def from_env(cls) -> Settings:
        """The settings of this process's environment, or ``InvalidSettings``."""
        values = EnvSettingsSource(cls, case_sensitive=True, env_ignore_empty=True)()
        try:
            return cls(**values)
        except ValidationError as error:
            raise InvalidSettings(_describe(error)) from None

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` (by field name), validated like the rest."""
        return type(self)(**{**self.model_dump(), **changes})

    @_model_validator(mode="before")
    @classmethod
    def _derived_defaults(cls, data: Any) -> Any:
        """DEV_MODE is on unless DATABASE_URL is set; LOG_FORMAT follows DEV_MODE."""
        if not isinstance(data, dict):
            return data
        data = dict(data)

        def given(field: str) -> str | None:
            alias = field.upper()
            return field if field in data else alias if alias in data else None

        dev_key = given("dev_mode")
        if dev_key is None:
            dev_key = "dev_mode"
            data[dev_key] = given("database_url") is None
        if given("log_format") is None:
            try:
                dev_mode = _BOOL.validate_python(data[dev_key])
            except ValidationError:
                return data  # the field's own error names DEV_MODE
            data["log_format"] = "text" if dev_mode else "json"
        return data

    @field_validator("database_url")
    @classmethod
    def _database_driver(cls, url: str) -> str:
        return _normalise_database_url(url)

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(origin.strip() for origin in value.split(",") if origin.strip())
        return value

    @field_validator("introspection", "log_format", "log_level", mode="before")
    @classmethod
    def _lower_case(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("broadcast_namespace", mode="before")
    @classmethod
    def _stripped(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

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


def _describe(error: ValidationError) -> str:
    """Every bad variable on one line: ``PORT='abc': input should be a valid integer``."""
    problems = []
    for item in error.errors(include_url=False):
        name = str(item["loc"][0]) if item["loc"] else "the environment"
        if item["loc"] and name.islower():  # validated by field name: say the variable
            name = name.upper()
        value = "" if name in SECRET_VARIABLES else f"={item['input']!r}"
        message = item["msg"]
        problems.append(f"{name}{value}: {message[:1].lower()}{message[1:]}")
    return "; ".join(problems)
