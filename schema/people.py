"""Locations, families and students as entries show them."""

from __future__ import annotations

import strawberry
from strawberry import relay

from domain.errors import InvalidRequest
from domain.families import FamilyErrorCode
from domain.ids import database_id
from domain.window_rows import FamilyRead, LocationRead
from models import Family as FamilyModel
from models import Location as LocationModel
from models import Student as StudentRow

# A location or family as loaded, or as read with a window page.
LocationRow = LocationModel | LocationRead
FamilyRow = FamilyModel | FamilyRead


@strawberry.type
class Location(relay.Node):
    location_id: relay.NodeID[int]
    external_id: str
    name: str

    @classmethod
    def from_row(cls, row: LocationRow) -> Location:
        return cls(location_id=row.id, external_id=row.external_id, name=row.name)


@strawberry.type
class Family(relay.Node):
    family_id: relay.NodeID[int]
    external_id: str
    name: str
    email: str | None
    email_opt_in: bool = strawberry.field(description="Receives email blasts.")
    suspended: bool

    @classmethod
    def from_row(cls, row: FamilyRow) -> Family:
        return cls(
            family_id=row.id,
            external_id=row.external_id,
            name=row.name,
            email=row.email,
            email_opt_in=row.email_opt_in,
            suspended=row.suspended,
        )


def family_id(raw: strawberry.ID) -> int:
    """A family's global id (``Family.id``); anything else names no family."""
    try:
        parsed = relay.GlobalID.from_id(str(raw))
    except (ValueError, TypeError):
        parsed = None
    number = None if parsed is None or parsed.type_name != "Family" else database_id(parsed.node_id)
    if number is None:
        raise InvalidRequest.one(FamilyErrorCode.NOT_FOUND, "no such family", "input", "familyId")
    return number


@strawberry.type
class Student(relay.Node):
    student_id: relay.NodeID[int]
    external_id: str
    first_name: str
    last_name: str

    @strawberry.field
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @classmethod
    def from_row(cls, row: StudentRow) -> Student:
        return cls(
            student_id=row.id,
            external_id=row.external_id,
            first_name=row.first_name,
            last_name=row.last_name,
        )
