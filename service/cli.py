"""The command line: ``python -m service <command>``, run from the repository
root (the project is never installed as packages: our top-level names also
exist on PyPI). Imports stay inside the commands so each loads only what it
needs.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from service import cli_admin
from service.settings import REPO_ROOT, Settings

SCHEMA_FILE = REPO_ROOT / "schema.graphql"


class CommandError(Exception):
    """A command that cannot do what was asked; its message is for the operator."""


def graphql_url(settings: Settings) -> str:
    host = "127.0.0.1" if settings.host in {"0.0.0.0", "::"} else settings.host
    return f"http://{host}:{settings.port}/graphql"


def render_schema() -> str:
    """The schema as published in ``schema.graphql``."""
    from schema.build import schema

    return schema.as_str().rstrip("\n") + "\n"


def _env_settings() -> Settings:
    """The settings, or one line naming what in the environment cannot be read."""
    try:
        return Settings.from_env()
    except ValueError as error:  # PORT=abc, DB_POOL_SIZE=many, ...
        raise CommandError(f"a setting in the environment is invalid: {error}") from error


def _with_overrides(args: argparse.Namespace) -> Settings:
    settings = _env_settings()
    overrides: dict[str, Any] = {}
    if getattr(args, "host", None):
        overrides["host"] = args.host
    if getattr(args, "port", None):
        overrides["port"] = args.port
    return settings.replace(**overrides) if overrides else settings


def serve(args: argparse.Namespace) -> int:
    """Check the database and the broadcast (one line if they will not do),
    then serve with our structured logs and graceful shutdown."""
    import os

    import uvicorn

    from service.logs import logging_config
    from service.readiness import StartupRefused, preflight
    from service.request_limits import MAX_FRAME_BYTES
    from service.ws_protocol import UVICORN_WS

    settings = _with_overrides(args)
    try:
        asyncio.run(preflight(settings))
    except StartupRefused as refused:
        raise CommandError(str(refused)) from refused
    # Worker processes build their own settings from the environment.
    os.environ["HOST"], os.environ["PORT"] = settings.host, str(settings.port)
    print(f"Serving {graphql_url(settings)} with {args.workers} worker(s)", flush=True)
    if args.workers > 1:
        print(
            "note: the workers share one port, so /metrics answers for one of them at a "
            "time; run one worker per process to scrape each (README, Metrics)",
            flush=True,
        )
    level = args.log_level or settings.log_level
    uvicorn.run(
        "service.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=args.workers,
        log_level=level,
        log_config=logging_config(settings.log_format, level),
        # Every GraphQL operation has its own line (service/telemetry.py).
        access_log=False,
        timeout_graceful_shutdown=max(int(settings.shutdown_timeout_seconds), 1),
        # A bigger websocket message is refused (1009) before it is buffered.
        ws_max_size=MAX_FRAME_BYTES,
        # uvicorn's websocket protocol, keeping less per socket (issue 12).
        ws=UVICORN_WS,
        app_dir=str(REPO_ROOT),
    )
    return 0


def migrate(_args: argparse.Namespace) -> int:
    """``alembic upgrade head`` on the configured database."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy.exc import SQLAlchemyError

    from service.readiness import StartupRefused, check_urls, describe_failure, safe_url

    settings = _env_settings()
    try:
        check_urls(settings)
    except StartupRefused as refused:
        raise CommandError(str(refused)) from refused
    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    config.attributes["database_url"] = settings.database_url
    try:
        command.upgrade(config, "head")
    except (OSError, SQLAlchemyError) as error:
        where = safe_url(settings.database_url)
        reason = describe_failure(error)
        raise CommandError(f"cannot migrate the database at {where} ({reason})") from error
    print(f"Database is at the latest migration: {_safe_url(settings.database_url)}")
    return 0


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _database(settings: Settings) -> Any:
    from models.db import Database

    return Database(settings.database_url, pool_size=2)


async def _seed_demo(settings: Settings, reset: bool) -> str:
    from service.demo import seed_demo

    database = _database(settings)
    try:
        credentials = await seed_demo(database, now=datetime.now(UTC), reset=reset)
    finally:
        await database.dispose()
    url = graphql_url(settings)
    return credentials.banner(url, graphiql=settings.dev_mode, web_url=url.removesuffix("/graphql"))


def seed_demo_command(args: argparse.Namespace) -> int:
    settings = _with_overrides(args)
    print(asyncio.run(_seed_demo(settings, args.reset)), flush=True)
    return 0


def _permissions(pairs: Sequence[str]) -> dict[Any, Any]:
    from domain.vocabulary import PermissionLevel, Task

    permissions: dict[Task, PermissionLevel] = {}
    for pair in pairs:
        task, _, level = pair.upper().partition("=")
        if level not in PermissionLevel.__members__:
            raise CommandError(f"--permission {pair}: level must be one of NONE, VIEW, FULL")
        if task == "ALL":
            permissions.update({t: PermissionLevel(level) for t in Task})
        elif task in Task.__members__:
            permissions[Task(task)] = PermissionLevel(level)
        else:
            raise CommandError(f"--permission {pair}: task must be ALL or one of {', '.join(Task)}")
    return permissions


async def _create_staff(settings: Settings, args: argparse.Namespace) -> str:
    from sqlalchemy import select
    from sqlalchemy.exc import IntegrityError

    from models import Location, Organisation
    from service.provisioning import create_staff

    permissions = _permissions(args.permission)
    database = _database(settings)
    try:
        async with database.write() as session:
            organisation_id = await session.scalar(
                select(Organisation.id).where(Organisation.slug == args.org)
            )
            if organisation_id is None:
                raise CommandError(f"no organisation with slug {args.org!r}")
            location_ids: list[int] | None = None
            if args.location:
                rows = await session.execute(
                    select(Location.external_id, Location.id).where(
                        Location.organisation_id == organisation_id,
                        Location.external_id.in_(args.location),
                    )
                )
                found = {external_id: location_id for external_id, location_id in rows}
                missing = sorted(set(args.location) - set(found))
                if missing:
                    raise CommandError(f"unknown location(s) in {args.org}: {', '.join(missing)}")
                location_ids = [found[key] for key in args.location]
            _, token = await create_staff(
                session,
                organisation_id=organisation_id,
                name=args.name,
                email=args.email,
                permissions=permissions,
                location_ids=location_ids,
            )
    except IntegrityError as error:
        raise CommandError(f"{args.email} is already a staff member of {args.org}") from error
    finally:
        await database.dispose()
    return token


def create_staff_command(args: argparse.Namespace) -> int:
    token = asyncio.run(_create_staff(_env_settings(), args))
    print(token)
    return 0


async def _purge(settings: Settings, now: datetime) -> str:
    try:
        retention = importlib.import_module("domain.retention")
    except ModuleNotFoundError as error:
        if error.name != "domain.retention":
            raise
        raise CommandError("purge is not available in this build (domain/retention.py)") from error
    database = _database(settings)
    try:
        report = await retention.purge(database, now=now)
    finally:
        await database.dispose()
    return str(report)


def purge_command(args: argparse.Namespace) -> int:
    now = datetime.fromisoformat(args.now) if args.now else datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    print(asyncio.run(_purge(_env_settings(), now)))
    return 0


def print_schema(args: argparse.Namespace) -> int:
    text = render_schema()
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"Wrote {args.output}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m service",
        description="Online Activity: the GraphQL service behind the staff inbox.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, run: Callable[[argparse.Namespace], int], text: str) -> Any:
        sub = commands.add_parser(name, help=text, description=text)
        sub.set_defaults(run=run)
        return sub

    sub = command("serve", serve, "Serve GraphQL (HTTP and websocket) with uvicorn.")
    sub.add_argument("--host", help="default: HOST or 127.0.0.1")
    sub.add_argument("--port", type=int, help="default: PORT or 8000")
    sub.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    sub.add_argument("--log-level", help="default: LOG_LEVEL or info")

    command("migrate", migrate, "Upgrade the database to the latest migration.")

    sub = command(
        "seed-demo",
        seed_demo_command,
        "Create the demo organisation (once) and print fresh tokens and the portal key.",
    )
    sub.add_argument("--reset", action="store_true", help="delete the demo organisation first")
    sub.add_argument("--host", help="host shown in the printed URL")
    sub.add_argument("--port", type=int, help="port shown in the printed URL")

    sub = command("create-staff", create_staff_command, "Add a staff member; prints their token.")
    sub.add_argument("--org", required=True, help="organisation slug")
    sub.add_argument("--name", required=True)
    sub.add_argument("--email", required=True)
    sub.add_argument(
        "--permission",
        action="append",
        default=[],
        metavar="TASK=LEVEL",
        help="e.g. MANAGE_ONLINE_ACTIVITY=FULL (repeat; ALL=VIEW sets every task)",
    )
    sub.add_argument(
        "--location",
        action="append",
        default=[],
        metavar="EXTERNAL_ID",
        help="limit to this location (repeat); default: all locations",
    )

    sub = command(
        "purge",
        purge_command,
        "Remove window entries past 90 days and audit records past two years.",
    )
    sub.add_argument("--now", help="ISO date-time to purge as of (default: now)")

    def administration(handler: Callable[[Settings, argparse.Namespace], int]) -> Any:
        def run(args: argparse.Namespace) -> int:
            try:
                return handler(_env_settings(), args)
            except cli_admin.CommandFailed as failed:
                raise CommandError(str(failed)) from failed

        return run

    cli_admin.add_commands(lambda name, handler, text: command(name, administration(handler), text))

    sub = command("print-schema", print_schema, "Write the GraphQL schema (SDL).")
    sub.add_argument("--output", default=str(SCHEMA_FILE), help="file, or - for stdout")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result: int = args.run(args)
    except CommandError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return result
