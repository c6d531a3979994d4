"""Creating tenants, locations, staff and credentials (CLI, demo seed, tests)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from domain.calendar import DEFAULT_TIME_ZONE, is_time_zone
from domain.viewer import hash_secret, new_portal_key, new_staff_token
from domain.vocabulary import PermissionLevel, Task
from models import Location, Organisation, Staff, StaffLocation, StaffToken

FULL_RIGHTS: dict[Task, PermissionLevel] = {task: PermissionLevel.FULL for task in Task}
VIEW_ONLY: dict[Task, PermissionLevel] = {task: PermissionLevel.VIEW for task in Task}


@dataclass(frozen=True)
class NewOrganisation:
    id: int
    slug: str
    portal_key: str
    location_ids: dict[str, int]


async def create_organisation(
    session: AsyncSession,
    *,
    slug: str,
    name: str,
    locations: Sequence[tuple[str, str]] = (),
    drop_notice_days: int = 30,
    time_zone: str = DEFAULT_TIME_ZONE,
) -> NewOrganisation:
    """A tenant with its locations (external id, name) and a fresh portal key.

    ``time_zone`` is the IANA zone its calendar rules read dates in
    (ValueError for a name that is not one)."""
    if not is_time_zone(time_zone):
        raise ValueError(f"{time_zone!r} is not an IANA time zone")
    portal_key = new_portal_key()
    organisation = Organisation(
        slug=slug,
        name=name,
        portal_key_hash=hash_secret(portal_key),
        time_zone=time_zone,
        drop_notice_days=drop_notice_days,
        drop_reason_required=True,
        drop_reasons=[],
        punch_pass_enrollments=True,
        require_saved_payment_method=False,
        activity_seq=0,
    )
    session.add(organisation)
    await session.flush()
    ids: dict[str, int] = {}
    for external_id, location_name in locations:
        location = Location(
            organisation_id=organisation.id, external_id=external_id, name=location_name
        )
        session.add(location)
        await session.flush()
        ids[external_id] = location.id
    return NewOrganisation(organisation.id, slug, portal_key, ids)


async def create_staff(
    session: AsyncSession,
    *,
    organisation_id: int,
    name: str,
    email: str,
    permissions: Mapping[Task, PermissionLevel],
    location_ids: Sequence[int] | None = None,
) -> tuple[int, str]:
    """A staff member and a bearer token for them; ``location_ids`` limits
    them to those locations (None: all)."""
    staff = Staff(
        organisation_id=organisation_id,
        name=name,
        email=email,
        permissions={task.value: level.value for task, level in permissions.items()},
        all_locations=location_ids is None,
        active=True,
    )
    session.add(staff)
    await session.flush()
    for location_id in location_ids or ():
        session.add(StaffLocation(staff_id=staff.id, location_id=location_id))
    token = new_staff_token()
    session.add(StaffToken(staff_id=staff.id, token_hash=hash_secret(token), label="created"))
    await session.flush()
    return staff.id, token
