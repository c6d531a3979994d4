"""The fencing hook every staff action calls inside its transaction."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from domain.lock import check_lease
from domain.viewer import Viewer
from models.base import utcnow


@dataclass(frozen=True)
class LockClaim:
    """The edit-lock token an action presents, and whether the deployment
    requires one (``Settings.require_edit_lock``, on unless turned off)."""

    token: str | None
    required: bool = True


async def domain_lock_check(session: AsyncSession, viewer: Viewer, claim: LockClaim) -> None:
    """Refuse an action whose edit-lock token is missing, stale or taken over.

    "To avoid conflicting edits, only the window or the widget is accessible
    at any given time, and not both": every action needs the token of the
    staff member's live lease (``domain.lock``). Raises
    ``domain.errors.InvalidRequest`` (``LOCK_REQUIRED`` / ``LOCK_LOST``, field
    ``["input", "lockToken"]``) before the action has changed anything.

    Only a deployment that sets ``REQUIRE_EDIT_LOCK=false`` skips the check,
    and then only for requests that pass no token: a token that is passed is
    always checked.
    """
    if claim.token is None and not claim.required:
        return
    await check_lease(session, viewer, claim.token, now=utcnow())
