"""The demo organisation ``make run`` seeds: Riverside Swim & Gym.

The first run creates the organisation, three locations, four staff members
(full rights, view only, no enrollment rights, one location only), a dozen
families and about fifty window entries of all 17 types spread over the last
two months, with the records they refer to (classes, enrollments, bookings,
payments, an online order). Later runs create nothing new: tokens are stored
hashed, so they rotate the credentials and print the fresh ones.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.calendar import SchoolCalendar
from domain.journal import Journal
from domain.recording import record_entries
from domain.viewer import hash_secret, new_portal_key, new_staff_token
from domain.vocabulary import PermissionLevel, Task
from domain.window import in_window
from models import ActivityEntry, Location, Organisation, Staff, StaffToken
from models.db import Database
from service.demo.records import DemoBuilder
from service.demo.story import play
from service.provisioning import FULL_RIGHTS, VIEW_ONLY, create_organisation, create_staff

DEMO_SLUG = "riverside-demo"
DEMO_NAME = "Riverside Swim & Gym"
# A US school: its evenings are already tomorrow in UTC.
DEMO_TIME_ZONE = "America/Chicago"
LOCATIONS = (
    ("pool", "Riverside Pool"),
    ("gym", "Riverside Gym"),
    ("studio", "Harbour Street Dance Studio"),
)


@dataclass(frozen=True)
class DemoRole:
    key: str
    label: str
    name: str
    email: str
    permissions: Mapping[Task, PermissionLevel]
    locations: tuple[str, ...] | None = None


ROLES = (
    DemoRole("full", "full rights", "Maya Patel", "maya@riverside.example", FULL_RIGHTS),
    DemoRole("view_only", "view only", "Sam Okafor", "sam@riverside.example", VIEW_ONLY),
    DemoRole(
        "no_enrollments",
        "no enrollment rights",
        "Jordan Reyes",
        "jordan@riverside.example",
        {**FULL_RIGHTS, Task.ENROLLMENTS: PermissionLevel.NONE},
    ),
    DemoRole(
        "pool_only",
        "Riverside Pool only",
        "Lena Fischer",
        "lena@riverside.example",
        FULL_RIGHTS,
        ("pool",),
    ),
)


@dataclass(frozen=True)
class DemoCredentials:
    """What a new user needs: who to be, and how the portal signs in."""

    organisation: str
    created: bool
    open_entries: int
    # role key -> (label, bearer token)
    tokens: dict[str, tuple[str, str]]
    portal_key: str

    def banner(self, url: str, *, graphiql: bool, web_url: str | None = None) -> str:
        where = "GraphiQL" if graphiql else "GraphQL endpoint"
        seeded = "created" if self.created else "already there; credentials rotated"
        width = max(len(label) for label, _ in self.tokens.values())
        lines = [
            "",
            f"Online Activity demo: {self.organisation} ({seeded}), "
            f"{self.open_entries} entries in the window.",
            "",
        ]
        if web_url is not None:
            lines += [
                f"  The Online Activity window:  {web_url}/   (the widget: {web_url}/widget)",
                "  Open it signed in as (the token stays in that tab only):",
                *(
                    f"    {label.ljust(width)}  {web_url}/#token={token}"
                    for label, token in self.tokens.values()
                ),
                "",
            ]
        lines += [
            f"  {where}:  {url}",
            "",
            '  Paste one of these into the "Headers" tab (tokens of earlier runs no longer work):',
        ]
        for label, token in self.tokens.values():
            header = json.dumps({"Authorization": f"Bearer {token}"})
            lines.append(f"    {label.ljust(width)}  {header}")
        lines += [
            "",
            f"  Portal key (the customer portal's credential):  {self.portal_key}",
            "",
            "  Try:  { onlineActivity(first: 5) { ... on ActivityConnection { totalCount "
            "pageCursors { around { page cursor } } nodes { __typename "
            "... on ActivityEntry { summary status } } } } }",
            "",
        ]
        return "\n".join(lines)


async def _issue_credentials(
    session: AsyncSession, organisation: Organisation, now: datetime
) -> tuple[dict[str, tuple[str, str]], str]:
    """A new portal key, and a new token for each demo staff member (an
    existing member's earlier tokens are revoked: only hashes are stored)."""
    portal_key = new_portal_key()
    organisation.portal_key_hash = hash_secret(portal_key)
    locations = {
        row.external_id: row.id
        for row in await session.scalars(
            select(Location).where(Location.organisation_id == organisation.id)
        )
    }
    tokens: dict[str, tuple[str, str]] = {}
    for role in ROLES:
        staff_id = await session.scalar(
            select(Staff.id).where(
                Staff.organisation_id == organisation.id, Staff.email == role.email
            )
        )
        if staff_id is None:
            _, token = await create_staff(
                session,
                organisation_id=organisation.id,
                name=role.name,
                email=role.email,
                permissions=role.permissions,
                location_ids=None
                if role.locations is None
                else [locations[key] for key in role.locations],
            )
        else:
            await session.execute(
                update(StaffToken)
                .where(StaffToken.staff_id == staff_id, StaffToken.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            token = new_staff_token()
            session.add(StaffToken(staff_id=staff_id, token_hash=hash_secret(token), label="demo"))
        tokens[role.key] = (role.label, token)
    await session.flush()
    return tokens, portal_key


async def seed_demo(database: Database, *, now: datetime, reset: bool = False) -> DemoCredentials:
    """Create the demo organisation once; on later runs rotate its credentials.

    ``reset`` deletes the demo organisation and everything in it first, for a
    fresh window with recent dates.
    """
    async with database.write() as session:
        if reset:
            await session.execute(delete(Organisation).where(Organisation.slug == DEMO_SLUG))
        organisation = await session.scalar(
            select(Organisation).where(Organisation.slug == DEMO_SLUG)
        )
        created = organisation is None
        if organisation is None:
            new = await create_organisation(
                session,
                slug=DEMO_SLUG,
                name=DEMO_NAME,
                locations=LOCATIONS,
                drop_notice_days=30,
                time_zone=DEMO_TIME_ZONE,
            )
            organisation = await session.get_one(Organisation, new.id)
            builder = DemoBuilder(
                session, new.id, now, dict(new.location_ids), SchoolCalendar(DEMO_TIME_ZONE)
            )
            await builder.setup()
            await play(builder)
            builder.entries.sort(key=lambda entry: entry.occurred_at)
            await record_entries(session, Journal(session), new.id, builder.entries)
        tokens, portal_key = await _issue_credentials(session, organisation, now)
        open_entries = await session.scalar(
            select(func.count())
            .select_from(ActivityEntry)
            .where(ActivityEntry.organisation_id == organisation.id, in_window(now))
        )
        return DemoCredentials(
            organisation=organisation.name,
            created=created,
            open_entries=int(open_entries or 0),
            tokens=tokens,
            portal_key=portal_key,
        )
