"""The operator's commands (``python -m service create-organisation ...``).

Each runs one unit of work of service/administration.py on the configured
database and prints what the operator needs next (a portal key, once).
Like service/cli.py, the database code is imported only by the command run.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import socket
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from service.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


class CommandFailed(Exception):
    """Raised for service.cli to print as ``error: ...``."""


def default_operator() -> str:
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = "unknown"
    return f"{login}@{socket.gethostname()}"


def _time_zone(name: str) -> str:
    from domain.calendar import is_time_zone

    if not is_time_zone(name):
        raise argparse.ArgumentTypeError(f"{name!r} is not an IANA time zone")
    return name


def _location(pair: str) -> tuple[str, str]:
    external_id, _, name = pair.partition("=")
    if not external_id or not name:
        raise argparse.ArgumentTypeError(f"{pair!r}: give EXTERNAL_ID=NAME")
    return external_id, name


def _run(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    from models.db import Database
    from service import administration

    async def run() -> T:
        database = Database(settings.database_url, pool_size=1)
        try:
            async with database.write() as session:
                return await work(session)
        finally:
            await database.dispose()

    try:
        return asyncio.run(run())
    except administration.AdministrationError as error:
        raise CommandFailed(str(error)) from error


def create_organisation(settings: Settings, args: argparse.Namespace) -> int:
    from service import administration

    created = _run(
        settings,
        lambda session: administration.provision_organisation(
            session,
            slug=args.slug,
            name=args.name,
            time_zone=args.time_zone,
            locations=args.location,
            drop_notice_days=args.drop_notice_days,
            operator=args.by,
        ),
    )
    print(f"Created {created.slug} with {len(created.location_ids)} location(s).")
    print(f"Portal key (shown once; the customer portal's credential): {created.portal_key}")
    return 0


def deactivate_staff(settings: Settings, args: argparse.Namespace) -> int:
    from service import administration

    _run(
        settings,
        lambda session: administration.deactivate_staff(
            session, slug=args.org, email=args.email, operator=args.by, reason=args.reason
        ),
    )
    print(f"Deactivated {args.email} in {args.org}.")
    return 0


def revoke_token(settings: Settings, args: argparse.Namespace) -> int:
    from service import administration

    revoked = _run(
        settings,
        lambda session: administration.revoke_tokens(
            session,
            token=args.token,
            slug=args.org,
            email=args.email,
            operator=args.by,
            reason=args.reason,
        ),
    )
    for token in revoked:
        print(f"Revoked token {token.token_id} of {token.email}.")
    return 0


def rotate_portal_key(settings: Settings, args: argparse.Namespace) -> int:
    from service import administration

    key = _run(
        settings,
        lambda session: administration.rotate_portal_key(
            session, slug=args.org, operator=args.by, reason=args.reason
        ),
    )
    print(f"New portal key for {args.org} (the old one no longer works): {key}")
    return 0


def add_commands(command: Callable[..., Any]) -> None:
    """Register the commands with service.cli's ``command(name, run, help)``."""

    def audited(sub: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sub.add_argument(
            "--by",
            default=default_operator(),
            help="who is acting, for the audit log (default: login@host)",
        )
        return sub

    sub = audited(
        command(
            "create-organisation",
            create_organisation,
            "Create an organisation with its time zone and locations; prints its portal key.",
        )
    )
    sub.add_argument("--slug", required=True, help="short unique name, e.g. riverside")
    sub.add_argument("--name", required=True)
    sub.add_argument(
        "--time-zone", type=_time_zone, default="UTC", help="IANA zone, e.g. Europe/London"
    )
    sub.add_argument(
        "--location",
        type=_location,
        action="append",
        default=[],
        metavar="EXTERNAL_ID=NAME",
        help="a location (repeat)",
    )
    sub.add_argument("--drop-notice-days", type=int, default=30)

    sub = audited(
        command("deactivate-staff", deactivate_staff, "Stop a staff member from signing in.")
    )
    sub.add_argument("--org", required=True, help="organisation slug")
    sub.add_argument("--email", required=True)
    sub.add_argument("--reason", help="kept in the audit log")

    sub = audited(
        command(
            "revoke-token",
            revoke_token,
            "Revoke one staff token (--token) or all of a staff member's (--org, --email).",
        )
    )
    sub.add_argument("--token", help="the token's value (oas_...)")
    sub.add_argument("--org", help="organisation slug")
    sub.add_argument("--email")
    sub.add_argument("--reason", help="kept in the audit log")

    sub = audited(
        command(
            "rotate-portal-key",
            rotate_portal_key,
            "Give an organisation a new portal key; prints it, the old one stops working.",
        )
    )
    sub.add_argument("--org", required=True, help="organisation slug")
    sub.add_argument("--reason", help="kept in the audit log")
