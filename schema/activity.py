"""What every window entry shows: the ``ActivityEntry`` interface.

Each kind's object type lives in its module of ``schema.kinds`` and reads
the kind's typed details (``facts``), so a page renders from one query;
location, family and student come through DataLoaders, never one query per
row.
"""

from __future__ import annotations

import builtins
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Self, TypeVar

import strawberry
from strawberry import relay

from domain import presentation
from domain.actions.records import RecordState
from domain.kinds import registry
from domain.kinds.base import Details
from domain.vocabulary import ActivityType as DomainActivityType
from domain.vocabulary import Resolution as DomainResolution
from domain.vocabulary import WindowStatus as DomainWindowStatus
from models import ActivityEntry as EntryRow
from schema.context import Info
from schema.loaders import Loaders
from schema.people import Family, Location, Student
from schema.review import NotApplied

D = TypeVar("D", bound=Details)

AUTO_APPROVED = "The portal approved it by itself (the entry is APPROVED, not PENDING)."

# The domain's enums are the schema's: registered once, used as annotations.
# ActivityType names the registered kinds (domain.kinds.registry), so it is
# made from the registry when the schema is first imported.
if TYPE_CHECKING:
    ActivityType = DomainActivityType
else:
    ActivityType = StrEnum("ActivityType", [(t.value, t.value) for t in DomainActivityType])
    ActivityType.__module__ = __name__
    strawberry.enum(ActivityType, name="ActivityType")
WindowStatus = DomainWindowStatus
Resolution = DomainResolution
EntryAction = presentation.EntryAction
strawberry.enum(WindowStatus, name="WindowStatus")
strawberry.enum(Resolution, name="Resolution")
strawberry.enum(EntryAction, name="EntryAction")


@strawberry.type(description="An activity type and what the window calls it.")
class ActivityKind:
    type: ActivityType
    label: str = strawberry.field(description='As the window shows it, e.g. "Drop".')


def activity_kinds() -> list[ActivityKind]:
    """Every registered kind with its label, in the window's order: "There are
    notification types for the following Customer Portal events"."""
    return [ActivityKind(type=kind.type, label=kind.label) for kind in registry.kinds()]


@strawberry.interface(description="An entry of the Online Activity window.")
class ActivityEntry(relay.Node):
    entry_id: relay.NodeID[int]
    row: strawberry.Private[EntryRow]

    # What the row says, copied when the object is made (``of``): plain
    # fields, which strawberry resolves with a getattr instead of a resolver
    # call with its Info object and argument parsing (issue 12: "per-field
    # resolver overhead on the union page").
    type: ActivityType
    status: WindowStatus = strawberry.field(
        description="What the entry asks of staff (or asked, once resolved)."
    )
    resolution: Resolution | None = strawberry.field(
        description="How the entry left the window (APPROVED, DENIED, DISMISSED, EXPIRED, "
        "SUPERSEDED); null while it waits. Only an action's result shows a resolved entry: "
        "the window, `node` and live events serve waiting entries only."
    )
    occurred_at: datetime = strawberry.field(description="When the family acted in the portal.")
    sequence: int = strawberry.field(
        description="The organisation's sequence number when it was recorded."
    )
    version: int = strawberry.field(
        description="Changes with every update; pass it back to act on this state."
    )

    @classmethod
    def of(cls, row: EntryRow) -> Self:
        """The object for a stored entry, as the row is now."""
        return cls(
            entry_id=row.id,
            row=row,
            type=DomainActivityType(row.type),
            status=DomainWindowStatus(row.status),
            resolution=None if row.resolution is None else DomainResolution(row.resolution),
            occurred_at=row.occurred_at,
            sequence=row.sequence,
            version=row.version,
        )

    @strawberry.field(description="Null for location-independent entries.")
    async def location(self, info: Info) -> Location | None:
        if self.row.location_id is None:
            return None
        row = await info.context.loaders.location.load(self.row.location_id)
        return None if row is None else Location.from_row(row)

    @strawberry.field
    async def family(self, info: Info) -> Family | None:
        if self.row.family_id is None:
            return None
        row = await info.context.loaders.family.load(self.row.family_id)
        return None if row is None else Family.from_row(row)

    @strawberry.field
    async def student(self, info: Info) -> Student | None:
        if self.row.student_id is None:
            return None
        row = await info.context.loaders.student.load(self.row.student_id)
        return None if row is None else Student.from_row(row)

    @strawberry.field(description='The student as the window names them, e.g. "Ann Lee (TRIAL)".')
    def student_label(self) -> str | None:
        return registry.kind(self.row.type).student_label(self.facts(Details))

    @strawberry.field
    def notes(self) -> str | None:
        return self.row.notes

    @strawberry.field
    def has_notes(self) -> bool:
        return self.row.has_notes

    @strawberry.field
    def summary(self) -> str:
        return registry.kind(self.row.type).summary(self.facts(Details))

    @strawberry.field(
        description="Set when the portal's event could not be applied as sent (an "
        "auto-approved transfer a rule refuses, an opt-out the organisation does not offer): "
        "why. The entry was recorded all the same."
    )
    def not_applied(self) -> NotApplied | None:
        found = self.facts(Details).not_applied
        if found is None:
            return None
        return NotApplied.from_problem(
            found.problem(), entry_id=relay.to_base64(type(self).__name__, self.row.id)
        )

    @strawberry.field(
        description="What the viewer may do with this entry now; nothing for the portal. "
        "A request whose record changed since (see `recordChange`) can no longer be "
        "approved: it offers DISMISS."
    )
    async def available_actions(self, info: Info) -> list[EntryAction]:
        viewer = info.context.staff_viewer()
        if viewer is None or self.row.resolution is not None:
            return []
        state = await self._record_state(info)
        return presentation.available_actions(
            viewer,
            activity_type=DomainActivityType(self.row.type),
            status=DomainWindowStatus(self.row.status),
            reviewed=self.row.reviewed_at is not None,
            moot=state is not None and state.moot,
            deniable=state is None or state.deny is None,
        )

    @strawberry.field(
        description="Why this request can no longer be approved as it stands: the record it "
        "was made against changed since (the family canceled the booking; the enrollment was "
        "dropped, transferred or deleted), so approving or denying would write over that. "
        "Null while it can be approved."
    )
    async def record_change(self, info: Info) -> str | None:
        state = await self._record_state(info)
        return state.approve.message if state is not None and state.moot and state.approve else None

    async def _record_state(self, info: Info) -> RecordState | None:
        if not Loaders.has_record(self.row):
            return None
        return await info.context.loaders.record_state.load(self.row)

    def facts(self, model: builtins.type[D]) -> D:
        """The entry's details as its kind's model, read once per object;
        a stored row that does not fit fails loudly (a masked internal error)."""
        found: Details | None = self.__dict__.get("_facts")
        if found is None:
            found = self.__dict__["_facts"] = registry.kind(self.row.type).read(self.row.details)
        if not isinstance(found, model):
            raise TypeError(f"{self.row.type} details are {found.__class__.__name__}, not {model}")
        return found
