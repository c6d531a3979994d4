"""What an operator does from the command line, each act in the audit log.

Creating an organisation, deactivating a staff member, revoking a token and
rotating the portal key are one unit of work each, written together with
their audit record: the act and its record commit or roll back as one.
The actor is the operator (``--by``, default the login and host), never a
staff member, so ``staffId`` is null and ``staffName`` says who it was; the
record's snapshot names the subject (never a secret or its hash).

Effect on running servers: a rotated portal key and a new organisation at
once; a revoked token or a deactivated staff member within
``TOKEN_CACHE_SECONDS`` (the time a process may keep a resolved token).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit
from domain.viewer import STAFF_TOKEN_PREFIX, hash_secret, new_portal_key
from models import Organisation, Staff, StaffToken
from models.base import utcnow
from service.provisioning import NewOrganisation, create_organisation


class AdministrationError(Exception):
    """The act cannot be done as asked; the message is for the operator."""


def _record(
    organisation_id: int,
    action: audit.AuditAction,
    operator: str,
    at: datetime,
    reason: str | None,
    subject: dict[str, Any],
) -> dict[str, Any]:
    return {
        "organisation_id": organisation_id,
        "action": action.value,
        "entry_id": None,
        "entry_type": None,
        "location_id": None,
        "staff_id": None,
        "staff_name": f"{operator} (command line)",
        "at": at,
        "reason": reason,
        "snapshot": subject,
    }


async def organisation_id(session: AsyncSession, slug: str) -> int:
    found = await session.scalar(select(Organisation.id).where(Organisation.slug == slug))
    if found is None:
        raise AdministrationError(f"no organisation with slug {slug!r}")
    return found


async def provision_organisation(
    session: AsyncSession,
    *,
    slug: str,
    name: str,
    time_zone: str,
    locations: Sequence[tuple[str, str]],
    drop_notice_days: int,
    operator: str,
) -> NewOrganisation:
    """A tenant with its locations and portal key (shown once, stored hashed)."""
    if await session.scalar(select(Organisation.id).where(Organisation.slug == slug)):
        raise AdministrationError(f"an organisation with slug {slug!r} exists already")
    created = await create_organisation(
        session,
        slug=slug,
        name=name,
        locations=locations,
        drop_notice_days=drop_notice_days,
        time_zone=time_zone,
    )
    subject = {
        "slug": slug,
        "name": name,
        "time_zone": time_zone,
        "drop_notice_days": drop_notice_days,
        "locations": [{"external_id": e, "name": n} for e, n in locations],
    }
    record = _record(created.id, audit.AuditAction.ORG_CREATED, operator, utcnow(), None, subject)
    await audit.write(session, [record])
    return created


async def deactivate_staff(
    session: AsyncSession, *, slug: str, email: str, operator: str, reason: str | None
) -> int:
    """The staff member signs in no more (their tokens stay, unusable)."""
    organisation = await organisation_id(session, slug)
    staff = await session.scalar(
        select(Staff).where(Staff.organisation_id == organisation, Staff.email == email)
    )
    if staff is None:
        raise AdministrationError(f"no staff member {email} in {slug}")
    if not staff.active:
        raise AdministrationError(f"{email} in {slug} is deactivated already")
    staff.active = False
    subject = {"staff_id": staff.id, "name": staff.name, "email": staff.email}
    record = _record(
        organisation, audit.AuditAction.DEACTIVATED, operator, utcnow(), reason, subject
    )
    await audit.write(session, [record])
    await session.flush()
    return staff.id


@dataclass(frozen=True)
class Revoked:
    token_id: int
    staff_id: int
    email: str


async def revoke_tokens(
    session: AsyncSession,
    *,
    token: str | None,
    slug: str | None,
    email: str | None,
    operator: str,
    reason: str | None,
) -> list[Revoked]:
    """One token by its value, or every live token of one staff member."""
    query = (
        select(StaffToken.id, Staff.id, Staff.email, Staff.organisation_id, StaffToken.label)
        .join(Staff, Staff.id == StaffToken.staff_id)
        .where(StaffToken.revoked_at.is_(None))
    )
    if token is not None:
        if not token.startswith(STAFF_TOKEN_PREFIX):
            raise AdministrationError(f"a staff token starts with {STAFF_TOKEN_PREFIX}")
        query = query.where(StaffToken.token_hash == hash_secret(token))
        missing = "no live staff token with that value"
    elif slug is not None and email is not None:
        organisation = await organisation_id(session, slug)
        query = query.where(Staff.organisation_id == organisation, Staff.email == email)
        missing = f"{email} in {slug} has no live token"
    else:
        raise AdministrationError("give --token, or --org and --email")
    rows = list(await session.execute(query.order_by(StaffToken.id)))
    if not rows:
        raise AdministrationError(missing)
    now = utcnow()
    ids = [token_id for token_id, *_ in rows]
    await session.execute(update(StaffToken).where(StaffToken.id.in_(ids)).values(revoked_at=now))
    await audit.write(
        session,
        [
            _record(
                organisation,
                audit.AuditAction.TOKEN_REVOKED,
                operator,
                now,
                reason,
                {"token_id": token_id, "label": label, "staff_id": staff_id, "email": staff_email},
            )
            for token_id, staff_id, staff_email, organisation, label in rows
        ],
    )
    return [
        Revoked(token_id, staff_id, staff_email) for token_id, staff_id, staff_email, *_ in rows
    ]


async def rotate_portal_key(
    session: AsyncSession, *, slug: str, operator: str, reason: str | None
) -> str:
    """A new portal key; the old one is refused from the next request on."""
    organisation = await organisation_id(session, slug)
    key = new_portal_key()
    await session.execute(
        update(Organisation)
        .where(Organisation.id == organisation)
        .values(portal_key_hash=hash_secret(key))
    )
    record = _record(
        organisation, audit.AuditAction.KEY_ROTATED, operator, utcnow(), reason, {"slug": slug}
    )
    await audit.write(session, [record])
    return key
