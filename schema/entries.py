"""The kinds' GraphQL types, gathered from the registry: the ``Activity``
union, the object type of each kind, and the portal's @oneOf event input.

Each kind's strawberry module is found by name: ``schema.kinds.<module>``
for a kind in ``domain.kinds.<module>``, or the module its ``Kind`` names
(``schema_module``). Nothing here names a kind.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Annotated, Any, Union

import strawberry
from strawberry import relay

from domain.actions import Entry, EntryRef
from domain.errors import InvalidRequest
from domain.ids import database_id
from domain.ingestion.error_codes import PortalEventErrorCode
from domain.kinds import registry
from domain.kinds.base import Kind, PortalEvent
from domain.vocabulary import ActivityType
from domain.window_rows import WindowEntry
from schema.activity import ActivityEntry


def _schema_module(kind: Kind[Any]) -> ModuleType:
    name = kind.schema_module or "schema.kinds." + registry.module_of(kind).rsplit(".", 1)[-1]
    return importlib.import_module(name)


_MODULES = {kind.name: _schema_module(kind) for kind in registry.kinds()}

OBJECT_FOR_TYPE: dict[ActivityType, type[ActivityEntry]] = {
    ActivityType(name): module.OBJECT for name, module in _MODULES.items()
}
TYPE_FOR_OBJECT_NAME: dict[str, ActivityType] = {
    cls.__name__: activity_type for activity_type, cls in OBJECT_FOR_TYPE.items()
}

if TYPE_CHECKING:
    Activity = ActivityEntry
else:
    Activity = Annotated[
        Union[tuple(OBJECT_FOR_TYPE.values())],  # noqa: UP007 (a union built at run time)
        strawberry.union("Activity", description="An entry of the window, by type."),
    ]


def entry_object(row: WindowEntry) -> Any:
    """The GraphQL object for a stored entry."""
    return OBJECT_FOR_TYPE[ActivityType(row.type)].of(row)


def _attribute(field: str) -> str:
    """The Python name of a portal input field ("giftCard" -> "gift_card")."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", field).lower()


_INPUT_FIELDS = {
    _attribute(kind.event.field): module.INPUT
    for kind, module in ((registry.kind(name), m) for name, m in _MODULES.items())
}


def _to_domain(self: Any) -> PortalEvent:
    chosen = [
        member.value.to_domain()
        for member in (getattr(self, attribute) for attribute in _INPUT_FIELDS)
        if member is not None and member.value is not None
    ]
    if len(chosen) != 1:
        # GraphQL validates @oneOf first; this only guards direct callers.
        raise InvalidRequest.one(
            PortalEventErrorCode.ONE_EVENT_REQUIRED,
            "event must name exactly one kind",
            "input",
            "event",
        )
    event: PortalEvent = chosen[0]
    return event


if TYPE_CHECKING:

    class PortalEventDetailsInput:
        def to_domain(self) -> PortalEvent: ...

else:
    PortalEventDetailsInput = strawberry.input(
        one_of=True, description="Exactly one: what happened in the portal."
    )(
        type(
            "PortalEventDetailsInput",
            (),
            {
                "__module__": __name__,
                "__annotations__": {
                    attribute: strawberry.Maybe[cls] for attribute, cls in _INPUT_FIELDS.items()
                },
                "to_domain": _to_domain,
            },
        )
    )


def entry_ref(raw: str) -> EntryRef:
    """A per-type global id (``DropActivity:12``); anything else is an id that
    names nothing, reported NOT_FOUND like another tenant's."""
    try:
        global_id = relay.GlobalID.from_id(raw)
    except (ValueError, TypeError):
        return EntryRef(raw, None, None)
    activity_type = TYPE_FOR_OBJECT_NAME.get(global_id.type_name)
    number = database_id(global_id.node_id)
    if activity_type is None or number is None:
        return EntryRef(raw, None, None)
    return EntryRef(raw, number, activity_type)


def entry_refs(ids: Sequence[strawberry.ID] | None) -> list[EntryRef] | None:
    return None if ids is None else [entry_ref(str(i)) for i in ids]


def global_id(row: Entry) -> str:
    """The entry's global id, named by its kind's object type."""
    return relay.to_base64(OBJECT_FOR_TYPE[ActivityType(row.type)].__name__, row.id)
