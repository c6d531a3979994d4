"""Is this process fit to serve? Startup checks, ``/ready``, and their one-line answers.

``/health`` is liveness: the process answers. ``/ready`` is readiness: the
database answers and carries this code's migrations, the broadcast is
connected (changes published anywhere reach this process's subscribers),
and the process is not stopping. A load balancer routes to ready processes.

``serve`` runs ``preflight`` before it starts uvicorn, and every process
checks its database again at startup, so a missing or unmigrated database,
or a bad ``DATABASE_URL`` or Redis URL, is one line for the operator
(``StartupRefused``) instead of a traceback and then a bare HTTP 500 on
every request.

A database at a revision this code does not know is taken as ahead of it: a
newer release migrated first (migrations only add). Old processes keep
serving through such a rolling deploy; one behind the code's head is refused.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from dataclasses import dataclass
from typing import Final

from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from models.db import Database
from service.settings import REPO_ROOT, Settings
from subscriptions.broadcast import Broadcaster, BroadcastUnavailable, backend_for_url

logger = logging.getLogger(__name__)

MIGRATE: Final = "run `python -m service migrate` first"
SUPPORTED_DRIVERS: Final = ("postgresql+asyncpg", "sqlite+aiosqlite")
CHECK_TIMEOUT_SECONDS: Final = 5.0


class StartupRefused(Exception):
    """This process cannot serve; the message is one line for the operator."""


@functools.cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory(str(REPO_ROOT / "migrations"))


def migration_head() -> str:
    """The newest migration this code ships (read once per process)."""
    head = _scripts().get_current_head()
    assert head is not None, "migrations/ has no head"
    return head


def _known(revision: str) -> bool:
    try:
        return _scripts().get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for an unknown id
        return False


def safe_url(url: str) -> str:
    """The URL as the operator wrote it, without its password (or driver)."""
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except SQLAlchemyError:
        return "(not a URL)"
    for driver in ("+asyncpg://", "+aiosqlite://"):
        shown = shown.replace(driver, "://", 1)
    return shown


def describe_failure(error: BaseException) -> str:
    """One line for a database failure: the driver's error, without SQL."""
    cause = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    text_ = " ".join(str(cause).split())
    return f"{type(cause).__name__}: {text_}" if text_ else type(cause).__name__


@dataclass(frozen=True)
class DatabaseState:
    ok: bool
    status: str  # ok | ahead | unreachable | not migrated | behind
    message: str  # for the operator (never sent to clients)


async def database_state(
    database: Database, *, within: float = CHECK_TIMEOUT_SECONDS
) -> DatabaseState:
    """Reachable, and at (or ahead of) this code's migration head?"""
    where = safe_url(database.url)
    try:
        async with asyncio.timeout(within), database.read() as session:
            await session.connection()
            try:
                revision = await session.scalar(text("SELECT version_num FROM alembic_version"))
            except DBAPIError:
                revision = None
    except (OSError, SQLAlchemyError, TimeoutError) as error:
        reason = "no answer in time" if isinstance(error, TimeoutError) else describe_failure(error)
        return DatabaseState(
            False, "unreachable", f"cannot reach the database at {where} ({reason})"
        )
    head = migration_head()
    if revision is None:
        return DatabaseState(
            False, "not migrated", f"the database at {where} is not migrated: {MIGRATE}"
        )
    if revision == head:
        return DatabaseState(True, "ok", f"the database at {where} is at {head}")
    if not _known(revision):
        return DatabaseState(
            True,
            "ahead",
            f"the database at {where} is at {revision}, newer than this code's {head}",
        )
    return DatabaseState(
        False,
        "behind",
        f"the database at {where} is at migration {revision}, this code needs {head}: {MIGRATE}",
    )


def check_urls(settings: Settings) -> None:
    """Refuse a DATABASE_URL or broadcast URL this service cannot use."""
    try:
        driver = make_url(settings.database_url).drivername
    except SQLAlchemyError:
        driver = None
    if driver not in SUPPORTED_DRIVERS:
        raise StartupRefused(
            f"DATABASE_URL {safe_url(settings.database_url)} is not a database this service "
            "uses: give postgresql://user:password@host/database or sqlite:///path"
        )
    try:
        backend_for_url(settings.broadcast_url)
    except ValueError as error:
        raise StartupRefused(f"REDIS_URL/BROADCAST_URL: {error}") from error


async def check_database(database: Database) -> None:
    state = await database_state(database)
    if not state.ok:
        raise StartupRefused(state.message)
    if state.status == "ahead":
        logger.warning(state.message)


async def preflight(settings: Settings) -> None:
    """Everything ``serve`` checks before it starts a server process."""
    check_urls(settings)
    database = Database(settings.database_url, pool_size=1)
    try:
        await check_database(database)
    finally:
        await database.dispose()
    broadcaster = Broadcaster(settings.broadcast_url)
    try:
        await broadcaster.connect()
    except BroadcastUnavailable as error:
        raise StartupRefused(f"REDIS_URL/BROADCAST_URL: {error}") from error
    await broadcaster.disconnect()


async def ready(request: Request) -> Response:
    """``/ready``: 200 when this process should get traffic, else 503.
    The body names each check's state, never a driver's error text."""
    services = request.app.state.services
    if request.app.state.drain.draining:
        return JSONResponse({"status": "stopping"}, status_code=503)
    database = await database_state(services.database, within=2.0)
    broadcaster = services.broadcaster
    connected = broadcaster is None or broadcaster.delivery_epoch is not None
    ok = database.ok and connected
    if not ok:
        logger.warning(
            "not ready: %s; broadcast %s",
            database.message,
            "connected" if connected else "disconnected",
            extra={"database": database.status, "broadcast": connected},
        )
    body = {
        "status": "ready" if ok else "not ready",
        "database": database.status,
        "broadcast": "ok" if connected else "disconnected",
    }
    return JSONResponse(body, status_code=200 if ok else 503)
