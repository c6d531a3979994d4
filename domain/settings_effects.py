"""What a change of the organisation's settings does to the open window.

Part of what an entry shows is derived from the settings when it is read: a
drop request's notice period, the day it was asked on the school's calendar
(its time zone), whether it meets the notice and which of the school's
criteria it misses ("the request meets your criteria for valid requests").
Nothing stored changes, but open windows show those fields. So each open
entry that reads differently under the new settings is journaled CHANGED,
reason SETTINGS_CHANGED, in the organisation's sequence and in the change's
unit of work: live clients update it, and a client resuming with
``afterSequence`` replays the same. The other settings (punch-pass
enrollments, the saved payment method) apply to events still to come and
change no entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.drop_requests import shown_by_settings
from domain.journal import ChangeKind, EntryKey, Journal, WindowChange
from domain.kinds import registry
from domain.window import in_window
from models import ActivityEntry

if TYPE_CHECKING:
    # domain.organisation calls this module when it saves a change.
    from domain.organisation import OrganisationSettings

SETTINGS_CHANGED = "SETTINGS_CHANGED"


def _drop_inputs(settings: OrganisationSettings) -> tuple[object, ...]:
    """The settings a drop entry's shown fields are derived from."""
    return (settings.time_zone, settings.drop_policy)


async def journal_entries_shown_differently(
    session: AsyncSession,
    journal: Journal,
    before: OrganisationSettings,
    after: OrganisationSettings,
    *,
    now: datetime,
) -> list[WindowChange]:
    """Journal a CHANGED change (SETTINGS_CHANGED) for each open entry in the
    window whose settings-derived fields differ between ``before`` and
    ``after``. Called with the organisation's row locked by the settings
    change: it writes only change records and takes no entry lock, so the
    lock order (``domain.lock_order``) holds."""
    if _drop_inputs(before) == _drop_inputs(after):
        return []
    drops = await session.execute(
        select(
            ActivityEntry.id,
            ActivityEntry.type,
            ActivityEntry.status,
            ActivityEntry.location_id,
            ActivityEntry.details,
            ActivityEntry.occurred_at,
        )
        .where(
            ActivityEntry.organisation_id == after.organisation_id,
            ActivityEntry.type.in_(
                sorted(registry.types_where(lambda k: k.shown_by_drop_settings))
            ),
            in_window(now),
        )
        .order_by(ActivityEntry.id)
    )
    old_calendar, old_policy = before.calendar, before.drop_policy
    new_calendar, new_policy = after.calendar, after.drop_policy
    changed = [
        EntryKey(row.id, row.type, row.status, row.location_id)
        for row in drops
        if shown_by_settings(row.type, row.details, row.occurred_at, old_calendar, old_policy)
        != shown_by_settings(row.type, row.details, row.occurred_at, new_calendar, new_policy)
    ]
    return await journal.record(
        after.organisation_id, changed, change=ChangeKind.CHANGED, reason=SETTINGS_CHANGED
    )
