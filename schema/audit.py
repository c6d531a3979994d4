"""The audit log as GraphQL: every decision on the window, for two years."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from domain import audit as domain_audit
from domain.actions.drops import ACCEPTED_CRITERIA_KEY
from domain.audit import AuditAction, AuditErrorCode, AuditPage
from domain.errors import InvalidRequest
from domain.ids import database_id
from domain.vocabulary import ActivityType as DomainActivityType
from models import AuditRecord as AuditRow
from schema.activity import ActivityType
from schema.entries import OBJECT_FOR_TYPE
from schema.errors import InvalidArguments
from schema.review import DropCriterion
from schema.window import PageInfo

strawberry.enum(AuditAction, name="AuditAction")


@strawberry.input
class AuditFilter:
    action: list[AuditAction] | None = strawberry.field(
        default=None, description="All actions when omitted."
    )
    entry_type: list[ActivityType] | None = strawberry.field(
        default=None, description="All entry types when omitted."
    )
    staff_id: strawberry.ID | None = strawberry.field(
        default=None, description="Decisions of this staff member (`staffId` of a record)."
    )
    from_: datetime | None = strawberry.field(default=None, name="from")
    to: datetime | None = None

    def to_domain(self) -> domain_audit.AuditFilter:
        return domain_audit.AuditFilter(
            actions=None if self.action is None else frozenset(self.action),
            entry_types=None if self.entry_type is None else frozenset(self.entry_type),
            staff_id=None if self.staff_id is None else _staff_id(self.staff_id),
            since=self.from_,
            until=self.to,
        )


def audit_filter(raw: AuditFilter | None) -> domain_audit.AuditFilter:
    """The whole log when no filter was given."""
    return domain_audit.AuditFilter() if raw is None else raw.to_domain()


def _staff_id(raw: strawberry.ID) -> int:
    try:
        parsed = relay.GlobalID.from_id(str(raw))
        number = database_id(parsed.node_id) if parsed.type_name == "Staff" else None
        if number is not None:
            return number
    except (ValueError, TypeError):
        pass
    raise InvalidRequest.one(AuditErrorCode.NOT_FOUND, "no such staff member", "filter", "staffId")


@strawberry.type(description="One decision: who, when, what, and the entry as it was.")
class AuditEntry:
    row: strawberry.Private[AuditRow]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(relay.to_base64("AuditRecord", self.row.id))

    @strawberry.field
    def action(self) -> AuditAction:
        return AuditAction(self.row.action)

    @strawberry.field
    def at(self) -> datetime:
        return self.row.at

    @strawberry.field
    def entry_type(self) -> ActivityType | None:
        return None if self.row.entry_type is None else DomainActivityType(self.row.entry_type)

    @strawberry.field(description="The entry's global id (the entry may no longer exist).")
    def entry_id(self) -> strawberry.ID | None:
        if self.row.entry_id is None or self.row.entry_type is None:
            return None
        name = OBJECT_FOR_TYPE[DomainActivityType(self.row.entry_type)].__name__
        return strawberry.ID(relay.to_base64(name, self.row.entry_id))

    @strawberry.field(description="Null for decisions the system took (expiry).")
    def staff_id(self) -> strawberry.ID | None:
        if self.row.staff_id is None:
            return None
        return strawberry.ID(relay.to_base64("Staff", self.row.staff_id))

    @strawberry.field
    def staff_name(self) -> str | None:
        return self.row.staff_name

    @strawberry.field
    def location_id(self) -> strawberry.ID | None:
        if self.row.location_id is None:
            return None
        return strawberry.ID(relay.to_base64("Location", self.row.location_id))

    @strawberry.field(description="The staff member's reason or note, if any.")
    def reason(self) -> str | None:
        return self.row.reason

    @strawberry.field(description="The entry's facts as they were when the decision was taken.")
    def snapshot(self) -> JSON:
        return JSON(self.row.snapshot)

    @strawberry.field(
        description="APPROVED: the school's criteria the request missed that staff accepted "
        "(`acceptCriteria`); empty when it met them all."
    )
    def accepted_criteria(self) -> list[DropCriterion]:
        listed = self.row.snapshot.get(ACCEPTED_CRITERIA_KEY) or []
        return [DropCriterion(c) for c in listed if c in DropCriterion.__members__]

    @strawberry.field(
        description="SETTINGS_CHANGED: each setting changed, with its value before and after."
    )
    def settings_changes(self) -> list[SettingChange]:
        changed = self.row.snapshot.get("settings") or []
        return [
            SettingChange(
                setting=str(change.get("setting")),
                from_=JSON(change.get("from")),
                to=JSON(change.get("to")),
            )
            for change in changed
        ]


@strawberry.type(description="One setting changed: its name in the API, before and after.")
class SettingChange:
    setting: str
    from_: JSON = strawberry.field(name="from")
    to: JSON


@strawberry.type
class AuditEdge:
    cursor: str
    node: AuditEntry


@strawberry.type
class AuditConnection:
    edges: list[AuditEdge]
    page_info: PageInfo

    @classmethod
    def from_page(cls, page: AuditPage, *, had_cursor: bool) -> AuditConnection:
        edges = [AuditEdge(cursor=page.cursor(r), node=AuditEntry(row=r)) for r in page.records]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=had_cursor,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )


AuditLogResult = Annotated[AuditConnection | InvalidArguments, strawberry.union("AuditLogResult")]
