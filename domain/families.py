"""Suspending a family: the spec's handling of an account deletion request.

"If a customer submits this request, an alert will be displayed in the
Online Activity. However, it must be noted that this is simply a notification
and we do not automatically delete any accounts. A staff member would need to
complete this request if you wish to do so." Deleting a family would also
delete its enrollment and ledger history, so the service never deletes one:
staff suspend it, with a note that it was suspended due to an account
deletion request and the date.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit
from domain.actions.selection import EntryRef, Selection, resolve
from domain.errors import ErrorCode, InvalidRequest
from domain.kinds import registry
from domain.lock_fence import LockClaim, domain_lock_check
from domain.organisation import load_settings
from domain.viewer import Viewer
from domain.vocabulary import PermissionLevel, Task
from models import ActivityEntry, Family

MAX_NOTE = 2000


class FamilyErrorCode(ErrorCode):
    """The families' area: why a family is not suspended."""

    ACCESS_DENIED = (
        "ACCESS_DENIED",
        "Needs full permission on Manage Online Activity and on Families.",
    )
    INVALID_SELECTION = "INVALID_SELECTION", "Give `familyId` or `entryId`, not both."
    NOT_FOUND = "NOT_FOUND", "No such family, or no such entry with a family, in your scope."
    REQUIRED = "REQUIRED", "Say why the family is suspended."
    TOO_LONG = "TOO_LONG", "The note is too long."
    ALREADY_SUSPENDED = "ALREADY_SUSPENDED", "The family is already suspended."


def suspension_note(*, on: date, deletion_request: bool, note: str | None) -> str:
    """The line added to the family's notes, dated ``on`` (the school's date)."""
    line = f"{on.isoformat()}: Suspended"
    if deletion_request:
        line += " due to an account deletion request"
    line += "."
    return f"{line} {note}" if note else line


async def family_touches(session: AsyncSession, family_id: int) -> audit.Touched:
    """The locations a family touches: those of its entries. A family whose
    entries are all location-independent is every location's, as the window
    shows them; one with no entry is placed nowhere (organisation-wide)."""
    found = (
        (
            await session.execute(
                select(ActivityEntry.location_id)
                .where(ActivityEntry.family_id == family_id)
                .distinct()
            )
        )
        .scalars()
        .all()
    )
    return audit.Touched(frozenset(i for i in found if i is not None), placed=bool(found))


async def suspend_family(
    session: AsyncSession,
    viewer: Viewer,
    *,
    family_id: int | None,
    entry_ref: EntryRef | None,
    note: str | None,
    now: datetime,
    lock: LockClaim,
) -> Family:
    """Suspend the family (given directly, or as the family of an entry) and
    note why; suspending from a deletion request says so in the note.

    A family given directly must be the viewer's as the window scopes it:
    every location its entries touch is theirs (issue 10), else NOT_FOUND."""
    if viewer.level(Task.MANAGE_ONLINE_ACTIVITY) is not PermissionLevel.FULL or (
        viewer.level(Task.FAMILIES) is not PermissionLevel.FULL
    ):
        raise InvalidRequest.one(
            FamilyErrorCode.ACCESS_DENIED,
            "needs full permission on Manage Online Activity and Families",
        )
    if (family_id is None) == (entry_ref is None):
        raise InvalidRequest.one(
            FamilyErrorCode.INVALID_SELECTION, "give familyId or entryId", "input"
        )
    cleaned = (note or "").strip() or None
    if cleaned is not None and len(cleaned) > MAX_NOTE:
        raise InvalidRequest.one(
            FamilyErrorCode.TOO_LONG, f"at most {MAX_NOTE} characters", "input", "note"
        )
    await domain_lock_check(session, viewer, lock)
    entry = None
    if entry_ref is not None:
        [target] = await resolve(session, viewer, Selection(refs=(entry_ref,)), now)
        entry = target.row
        if entry is None or entry.family_id is None:
            raise InvalidRequest.one(
                FamilyErrorCode.NOT_FOUND, "no such entry with a family", "input", "entryId"
            )
        family_id = entry.family_id
    deletion_request = entry is not None and registry.kind(entry.type).suspends_family
    if cleaned is None and not deletion_request:
        raise InvalidRequest.one(
            FamilyErrorCode.REQUIRED, "say why the family is suspended", "input", "note"
        )
    family = await session.scalar(
        select(Family)
        .where(Family.id == family_id, Family.organisation_id == viewer.organisation_id)
        .with_for_update()
    )
    touched = None if family is None or entry else await family_touches(session, family.id)
    if family is None or (touched is not None and not touched.visible_to(viewer)):
        raise InvalidRequest.one(FamilyErrorCode.NOT_FOUND, "no such family", "input", "familyId")
    if family.suspended:
        raise InvalidRequest.one(
            FamilyErrorCode.ALREADY_SUSPENDED, f"{family.name} is already suspended", "input"
        )
    today = (await load_settings(session, viewer.organisation_id)).today(now)
    line = suspension_note(on=today, deletion_request=deletion_request, note=cleaned)
    family.suspended = True
    family.suspended_at = now
    family.notes = f"{family.notes}\n{line}".strip() if family.notes else line
    facts = {"family": {"id": family.id, "name": family.name, "email": family.email}, "note": line}
    if entry is not None:
        record = audit.entry_record(
            entry, audit.AuditAction.SUSPENDED, viewer=viewer, at=now, reason=line, extra=facts
        )
        await audit.write(session, [record])
    else:
        record = {
            "organisation_id": viewer.organisation_id,
            "action": audit.AuditAction.SUSPENDED.value,
            "entry_id": None,
            "entry_type": None,
            "staff_id": viewer.staff_id,
            "staff_name": viewer.name,
            "at": now,
            "reason": line,
            "snapshot": facts,
        }
        await audit.write_touching(session, [(record, touched or audit.Touched(frozenset()))])
    await session.flush()
    return family
