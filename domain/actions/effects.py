"""What approving or denying a request does to its record, as a kind says.

A requestable kind (``domain.kinds``) names its ``approval`` and ``denial``
effects (``domain.actions.request_effects``); approving runs each distinct
effect once, set-based, over the approved rows of the kinds that share it,
in the registry's order (enrollment requests take their seats before
transfers do). The records were locked and checked first
(``domain.actions.records``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.actions.drops import Approvals
from domain.actions.facts import EntryFacts
from domain.actions.outcome import Refusal
from domain.actions.record_reads import Records
from domain.actions.seats import SeatBook
from domain.journal import Journal
from domain.kinds import registry
from domain.organisation import OrganisationSettings, load_settings
from domain.viewer import Viewer
from models import ActivityEntry

if TYPE_CHECKING:
    from domain.actions.approve import ApproveOptions


@dataclass
class ApprovalRun:
    """One approval's unit of work, shared by the effects it runs."""

    session: AsyncSession
    journal: Journal
    viewer: Viewer
    options: ApproveOptions
    now: datetime
    seats: SeatBook
    approvals: Approvals
    # The requests' records as read and locked before any effect ran
    # (``domain.actions.records.held_records``).
    records: Records = field(default_factory=Records)
    _settings: OrganisationSettings | None = None

    async def settings(self) -> OrganisationSettings:
        """The organisation's settings, read once, for the effects that need them."""
        if self._settings is None:
            self._settings = await load_settings(self.session, self.viewer.organisation_id)
        return self._settings


@dataclass(frozen=True)
class ApprovalEffect:
    """Approve ``rows`` (pending requests of the kinds sharing this effect,
    oldest first): returns the refusals, rows left exactly as they were."""

    apply: Callable[[ApprovalRun, Sequence[EntryFacts]], Awaitable[dict[int, Refusal]]]


@dataclass(frozen=True)
class DenialEffect:
    """Deny one request: returns a refusal (nothing written), or what the
    audit record keeps of a deleted record. ``forgets_entry``: the entry
    itself is deleted with the record ("Denying an enrollment request
    deletes the request from Online Activity, and also deletes the
    enrollment from the database")."""

    apply: Callable[[AsyncSession, ActivityEntry], Awaitable[tuple[Refusal | None, dict[str, Any]]]]
    forgets_entry: bool = False


async def run_approvals(run: ApprovalRun, rows: Sequence[EntryFacts]) -> None:
    """Each kind's approval effect over its rows, into ``run.approvals``."""
    grouped: dict[ApprovalEffect, list[EntryFacts]] = {}
    for row in rows:
        effect = registry.kind(row.type).approval
        if effect is not None:
            grouped.setdefault(effect, []).append(row)
    ordered = dict.fromkeys(k.approval for k in registry.kinds() if k.approval is not None)
    for effect in ordered:
        if effect in grouped:
            run.approvals.refusals |= await effect.apply(run, grouped[effect])


async def apply_denial(
    session: AsyncSession, row: ActivityEntry
) -> tuple[Refusal | None, dict[str, Any]]:
    """The kind's denial effect on the request's record; drop and transfer
    requests leave their enrollment as it is (no effect)."""
    effect = registry.kind(row.type).denial
    if effect is None:
        return None, {}
    return await effect.apply(session, row)


def forgets_entry(row: ActivityEntry) -> bool:
    effect = registry.kind(row.type).denial
    return effect is not None and effect.forgets_entry
