"""What an action did: one result per entry, and the userErrors of a refusal."""

from __future__ import annotations

from typing import Any, TypeVar

import strawberry

from domain import actions as domain_actions
from domain.errors import Problem
from models import ActivityEntry
from resolvers import actions as resolvers
from schema.entries import Activity, entry_object, global_id
from schema.errors import ActionResultCode, TypedCode, UserError

E = TypeVar("E", bound=UserError)

ActionOutcome = domain_actions.Outcome
strawberry.enum(ActionOutcome, name="ActionOutcome")


@strawberry.type(description="What happened to one selected entry.")
class ActionResult(TypedCode):
    id: strawberry.ID = strawberry.field(description="The entry's id, as given or as selected.")
    outcome: ActionOutcome
    code: str | None = strawberry.field(
        graphql_type=ActionResultCode | None,
        description="Why it was skipped or failed; null when it succeeded.",
    )
    message: str | None
    entry: Activity | None = strawberry.field(
        description="The entry as it is now; null when not found."
    )

    @classmethod
    def from_item(cls, item: domain_actions.ItemResult) -> ActionResult:
        entry = item.entry
        raw = item.ref if item.ref is not None else (global_id(entry) if entry else "")
        return cls(
            id=strawberry.ID(raw),
            outcome=item.outcome,
            code=item.code,
            message=item.message,
            # Facts only when the client did not select the entry (see run_mass).
            entry=entry_object(entry)
            if isinstance(entry, ActivityEntry) and item.code is not domain_actions.Code.NOT_FOUND
            else None,
        )


def user_errors(kind: type[E], problems: list[Problem]) -> list[E]:
    """The problems as the payload's userErrors, whose code enum is ``kind``'s."""
    return [kind.from_problem(p) for p in problems]


def item_user_errors(kind: type[E], item: domain_actions.ItemResult, fields: set[str]) -> list[E]:
    """A single action's failure, also as a userError on the input field at fault."""
    if item.succeeded or item.code is None:
        return []
    named = item.field[0] if item.field and item.field[0] in fields else "id"
    return [kind(code=item.code, message=item.message or item.code, field=["input", named])]


@strawberry.type
class BulkResults:
    """The per-item results of a mass action, built only when the client
    selects ``results`` (a mass action over thousands of entries that asks
    for counts alone pays for no per-item objects)."""

    items: strawberry.Private[list[domain_actions.ItemResult]]

    @strawberry.field
    def results(self) -> list[ActionResult]:
        return [ActionResult.from_item(item) for item in self.items]


def single_result(
    kind: type[E], done: resolvers.Done[domain_actions.ActionReport], fields: set[str]
) -> dict[str, Any]:
    if done.value is None:
        return {"result": None, "user_errors": user_errors(kind, done.problems)}
    [item] = done.value.results
    return {
        "result": ActionResult.from_item(item),
        "user_errors": item_user_errors(kind, item, fields),
    }
