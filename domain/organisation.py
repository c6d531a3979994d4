"""The organisation's settings: what its rules depend on, read and changed.

Rules never read these from a cache: an action or a portal event loads them
in its own unit of work (``load_settings``), a window read once per request
(the request's loaders), so a change applies to the next request on every
server process.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit
from domain.calendar import SchoolCalendar
from domain.errors import InvalidRequest, Problem
from domain.journal import Journal
from domain.rules.drops import DropPolicy
from domain.rules.settings import (
    SettingsChange,
    SettingsErrorCode,
    check_change,
    cleaned_drop_reasons,
)
from domain.settings_effects import journal_entries_shown_differently
from domain.viewer import Viewer
from domain.vocabulary import PermissionLevel, Task
from domain.window_rows import OrganisationRead
from models import Organisation


@dataclass(frozen=True)
class OrganisationSettings:
    """One organisation's settings, as the rules read them."""

    organisation_id: int
    name: str
    time_zone: str
    drop_notice_days: int
    drop_reason_required: bool
    drop_reasons: tuple[str, ...]
    punch_pass_enrollments: bool
    require_saved_payment_method: bool

    @property
    def calendar(self) -> SchoolCalendar:
        return SchoolCalendar(self.time_zone)

    def today(self, now: datetime) -> date:
        """Today for this organisation: the one place a rule asks for it."""
        return self.calendar.today(now)

    def local_date(self, instant: datetime) -> date:
        """The organisation's calendar date at ``instant`` (the day a family
        made a request, for instance)."""
        return self.calendar.local_date(instant)

    @property
    def drop_policy(self) -> DropPolicy:
        return DropPolicy(
            notice_days=self.drop_notice_days,
            reason_required=self.drop_reason_required,
            valid_reasons=frozenset(self.drop_reasons),
        )

    @classmethod
    def from_row(cls, row: Organisation | OrganisationRead) -> OrganisationSettings:
        return cls(
            organisation_id=row.id,
            name=row.name,
            time_zone=row.time_zone,
            drop_notice_days=row.drop_notice_days,
            drop_reason_required=row.drop_reason_required,
            drop_reasons=tuple(row.drop_reasons or ()),
            punch_pass_enrollments=row.punch_pass_enrollments,
            require_saved_payment_method=row.require_saved_payment_method,
        )


# The settings staff change, by their names in the API (and the audit log).
SETTING_NAMES = {
    "time_zone": "timeZone",
    "drop_notice_days": "dropNoticeDays",
    "drop_reason_required": "dropReasonRequired",
    "drop_reasons": "dropReasons",
    "punch_pass_enrollments": "punchPassEnrollments",
    "require_saved_payment_method": "requireSavedPaymentMethod",
}


async def load_settings(session: AsyncSession, organisation_id: int) -> OrganisationSettings:
    row = await session.get_one(Organisation, organisation_id)
    return OrganisationSettings.from_row(row)


def can_read_settings(viewer: Viewer) -> bool:
    return viewer.level(Task.SETTINGS).allows(PermissionLevel.VIEW)


def can_change_settings(viewer: Viewer) -> bool:
    return viewer.level(Task.SETTINGS) is PermissionLevel.FULL


def _json(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


@dataclass(frozen=True)
class SavedSettings:
    settings: OrganisationSettings
    # False when the change changed nothing: nothing audited, journaled or pushed.
    changed: bool


async def change_settings(
    session: AsyncSession,
    journal: Journal,
    viewer: Viewer,
    change: SettingsChange,
    *,
    now: datetime,
) -> SavedSettings:
    """Save ``change`` to the viewer's organisation and audit it.

    Needs full rights on the Settings task (ACCESS_DENIED otherwise); a
    change the rules refuse (``domain.rules.settings.check_change``) is
    refused whole, every problem named, and changes nothing. The audit log
    gets one SETTINGS_CHANGED record with each changed setting's value
    before and after; a change that changes nothing writes nothing. The
    open entries the window now shows differently are journaled in
    ``journal`` (``domain.settings_effects``): the caller commits, then
    publishes them and tells live clients the organisation changed.
    """
    if not can_change_settings(viewer):
        raise InvalidRequest.one(
            SettingsErrorCode.ACCESS_DENIED, 'needs full permission on the "Settings" task', "input"
        )
    problems = check_change(change)
    if problems:
        raise InvalidRequest(
            [
                Problem(
                    p.code,
                    p.message,
                    ("input", p.field) if p.index is None else ("input", p.field, str(p.index)),
                )
                for p in problems
            ]
        )
    row = await session.scalar(
        select(Organisation).where(Organisation.id == viewer.organisation_id).with_for_update()
    )
    assert row is not None  # the viewer's own organisation
    before = OrganisationSettings.from_row(row)
    wanted: dict[str, Any] = {
        f.name: getattr(change, f.name)
        for f in fields(change)
        if getattr(change, f.name) is not None
    }
    if "drop_reasons" in wanted:
        wanted["drop_reasons"] = cleaned_drop_reasons(wanted["drop_reasons"])
    after = replace(before, **wanted)
    # A list, not a mapping: PostgreSQL's JSONB keeps no key order.
    changed = [
        {"setting": SETTING_NAMES[name], "from": _json(getattr(before, name)), "to": _json(value)}
        for name, value in wanted.items()
        if getattr(before, name) != value
    ]
    if not changed:
        return SavedSettings(before, changed=False)
    for name in wanted:
        setattr(row, name, _json(getattr(after, name)))
    await audit.write(
        session,
        [
            {
                "organisation_id": viewer.organisation_id,
                "action": audit.AuditAction.SETTINGS_CHANGED.value,
                "entry_id": None,
                "entry_type": None,
                "location_id": None,
                "staff_id": viewer.staff_id,
                "staff_name": viewer.name,
                "at": now,
                "reason": None,
                "snapshot": {"settings": changed},
            }
        ],
    )
    await session.flush()
    await journal_entries_shown_differently(session, journal, before, after, now=now)
    return SavedSettings(after, changed=True)
