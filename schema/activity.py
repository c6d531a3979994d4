"""What every window entry shows: the ``ActivityEntry`` interface.

Each kind's object type lives in its module of ``schema.kinds`` and reads
the kind's typed details (``facts``), so a page renders from one query;
location, family and student come through DataLoaders, never one query per
row.
"""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import Awaitable
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Self, TypeVar

import strawberry
from strawberry import relay
from strawberry.types.base import get_object_definition

from domain import presentation
from domain.actions.records import RecordState
from domain.kinds import registry
from domain.kinds.base import Details
from domain.viewer import Viewer
from domain.vocabulary import ActivityType as DomainActivityType
from domain.vocabulary import Resolution as DomainResolution
from domain.vocabulary import WindowStatus as DomainWindowStatus
from domain.window_rows import WindowEntry
from schema.context import Info
from schema.direct_fields import reads_only_context
from schema.loaders import Loaders, Pending, Shown, held, shown
from schema.people import Family, FamilyRow, Location, LocationRow, Student
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


@reads_only_context
def _location(root: ActivityEntry, info: Info) -> Shown[Location]:
    found = root.row.location_id
    if found is None:
        return None
    row: LocationRow | Pending[LocationRow | None] | None = held(
        info.context.loaders.location, found
    )
    return shown(row, Location.from_row)


@reads_only_context
def _family(root: ActivityEntry, info: Info) -> Shown[Family]:
    found = root.row.family_id
    if found is None:
        return None
    row: FamilyRow | Pending[FamilyRow | None] | None = held(info.context.loaders.family, found)
    return shown(row, Family.from_row)


@reads_only_context
def _student(root: ActivityEntry, info: Info) -> Shown[Student]:
    found = root.row.student_id
    if found is None:
        return None
    return shown(held(info.context.loaders.student, found), Student.from_row)


@strawberry.interface(description="An entry of the Online Activity window.")
class ActivityEntry(relay.Node):
    entry_id: relay.NodeID[int]
    row: strawberry.Private[WindowEntry]

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
    # Relay's ``id``, a plain field too: the text relay's own resolver makes
    # (``GlobalID(type name, entry id)``), made once with the object.
    _id: relay.GlobalID = strawberry.field(
        name="id", description="The Globally Unique ID of this object"
    )

    @classmethod
    def of(cls, row: WindowEntry) -> Self:
        """The object for a stored entry, as the row is now. What its kind
        says of it (summary, student label) is read here once, so those are
        plain fields too; a stored row whose details do not fit its kind
        fails loudly (a masked internal error)."""
        kind = registry.kind(row.type)
        facts = kind.read(row.details)
        made = cls(
            _id=relay.GlobalID(get_object_definition(cls, strict=True).name, str(row.id)),
            entry_id=row.id,
            row=row,
            type=DomainActivityType(row.type),
            status=DomainWindowStatus(row.status),
            resolution=None if row.resolution is None else DomainResolution(row.resolution),
            occurred_at=row.occurred_at,
            sequence=row.sequence,
            version=row.version,
            student_label=kind.student_label(facts),
            notes=row.notes,
            has_notes=row.has_notes,
            summary=kind.summary(facts),
        )
        made.__dict__["_facts"] = facts
        return made

    # Sync resolvers: what the request already holds (the page's primed
    # locations and families) is returned as is; only a record still to load
    # gives graphql-core an awaitable (issue 12: no coroutine per entry and
    # field on the window's page).
    location: Shown[Location] = strawberry.field(
        resolver=_location,
        graphql_type=Location | None,
        description="Null for location-independent entries.",
    )
    family: Shown[Family] = strawberry.field(resolver=_family, graphql_type=Family | None)
    student: Shown[Student] = strawberry.field(resolver=_student, graphql_type=Student | None)

    student_label: str | None = strawberry.field(
        description='The student as the window names them, e.g. "Ann Lee (TRIAL)".'
    )
    notes: str | None
    has_notes: bool
    summary: str

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
        "approved: it offers DISMISS.",
        graphql_type=list[EntryAction],
    )
    @reads_only_context
    def available_actions(self, info: Info) -> Awaitable[list[EntryAction]] | list[EntryAction]:
        viewer = info.context.staff_viewer()
        if viewer is None or self.row.resolution is not None:
            return []
        if not Loaders.has_record(self.row):
            return self._actions(viewer, None)
        state = held(info.context.loaders.record_state, self.row)
        if isinstance(state, asyncio.Future):
            return self._actions_later(viewer, state)
        return self._actions(viewer, state)

    async def _actions_later(
        self, viewer: Viewer, state: Pending[RecordState | None]
    ) -> list[EntryAction]:
        return self._actions(viewer, await state)

    def _actions(self, viewer: Viewer, state: RecordState | None) -> list[EntryAction]:
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
