"""Every input list is bounded before graphql-core coerces it.

Issue 10: "a filter with 200,000 list items is accepted ... Limit ... every
input list (typed error)." graphql-core coerces each item of every list in
the variables (and in the document) before a resolver could refuse it, and
the domain's own caps (``MAX_IDS``, ``MAX_LIST``...) only apply after that.
So any list of more than ``MAX_INPUT_LIST`` items, at any depth of any
argument, is refused first with one top-level error:

``extensions: {code: INPUT_LIST_TOO_LONG, field: [...], maximum: 1000}``,
where ``field`` is the path to the list from the variable (``["filter",
"types"]`` for ``$filter``) or from the field and argument that holds it in
the document (``["onlineActivity", "filter", "types"]``).

The largest list a client needs is the ids of one bulk action (at most
``MAX_IDS`` = 500, domain/actions/selection.py). The limit is above every
domain cap, so up to it those still answer with their own ``userErrors``
(``TOO_MANY_IDS``...); past it nothing of the list is coerced.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from graphql import (
    ArgumentNode,
    FieldNode,
    GraphQLError,
    ListValueNode,
    Node,
    ObjectFieldNode,
    ValidationRule,
)
from strawberry.extensions import AddValidationRules

MAX_INPUT_LIST: Final = 1000
TOO_LONG: Final = "INPUT_LIST_TOO_LONG"


def too_long(field: list[str], size: int, where: str) -> GraphQLError:
    path = ".".join(field)
    return GraphQLError(
        f"{where}`{path}` holds {size} items; an input list may hold at most {MAX_INPUT_LIST}.",
        extensions={"code": TOO_LONG, "field": field, "maximum": MAX_INPUT_LIST},
    )


class InputListLength(ValidationRule):
    """A list literal in the document (bounded by the token limit, but
    still checked so the rule is the same whichever way a list comes)."""

    def enter_list_value(
        self, node: ListValueNode, _key: Any, parent: Any, _path: Any, ancestors: list[Any]
    ) -> None:
        if len(node.values) > MAX_INPUT_LIST:
            above = [*ancestors, parent]
            field = [_name(a) for a in above if isinstance(a, ArgumentNode | ObjectFieldNode)]
            fields = [a for a in above if isinstance(a, FieldNode)]
            if fields:
                field.insert(0, _name(fields[-1]))
            self.report_error(too_long(field, len(node.values), ""))


def _name(node: Node) -> str:
    if isinstance(node, FieldNode) and node.alias is not None:
        return str(node.alias.value)
    return str(getattr(node, "name").value)  # noqa: B009 - Field, Argument, ObjectField


def variable_list_error(variables: dict[str, Any]) -> GraphQLError | None:
    """The first list longer than ``MAX_INPUT_LIST`` in raw variables."""
    stack: list[tuple[Any, list[str]]] = [(value, [name]) for name, value in variables.items()]
    while stack:
        value, path = stack.pop()
        if isinstance(value, list):
            if len(value) > MAX_INPUT_LIST:
                return too_long(path, len(value), f"Variable ${path[0]}: ")
            stack.extend(
                (item, [*path, str(index)])
                for index, item in enumerate(value)
                if isinstance(item, list | dict)
            )
        elif isinstance(value, dict):
            stack.extend(
                (item, [*path, str(key)])
                for key, item in value.items()
                if isinstance(item, list | dict)
            )
    return None


class InputLimits(AddValidationRules):
    """``InputListLength`` among the validation rules, and the variables
    checked as soon as the document is valid. Comes after
    ``DocumentLimits``, whose validation result it reads."""

    def __init__(self) -> None:
        super().__init__([InputListLength])

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.pre_execution_errors == [] and isinstance(context.variables, dict):
            error = variable_list_error(context.variables)
            if error is not None:
                context.pre_execution_errors = [error]
        yield
