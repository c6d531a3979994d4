"""No NUL character in any text a client sends (issue 10).

PostgreSQL cannot store U+0000 in text or JSON; such a string reached the
database and came back as the driver's error with the statement and its
parameters, while SQLite stored it. Any string input holding one (a
variable, at any depth, or a literal in the document) is refused before
anything runs, on both backends alike: one top-level error with code
``INVALID_CHARACTER``, naming the variable's path. The portal is left to
its own check, which refuses the event with a ``userErrors`` entry at the
field, as for any malformed field (``domain.ingestion.validation``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import DocumentNode, GraphQLError
from strawberry.extensions import SchemaExtension

from schema.document_facts import NUL, document_facts


def _nul_in_value(value: Any, path: str) -> str | None:
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, str):
            if NUL in current:
                return where
        elif isinstance(current, dict):
            for key, item in current.items():
                if isinstance(key, str) and NUL in key:
                    return where
                stack.append((item, f"{where}.{key}"))
        elif isinstance(current, list):
            stack.extend((item, f"{where}[{index}]") for index, item in enumerate(current))
    return None


def nul_refusal(
    variables: Any, query: str | None, document: DocumentNode | None
) -> GraphQLError | None:
    where = _nul_in_value(variables or {}, "$") if isinstance(variables, dict) else None
    if where is None and (document is None or not document_facts(query, document).nul_literal):
        return None
    named = f" ({where.removeprefix('$.')})" if where else ""
    extensions: dict[str, Any] = {"code": "INVALID_CHARACTER"}
    if where:
        extensions["field"] = where.removeprefix("$.")
    return GraphQLError(f"Text may not contain a NUL character{named}.", extensions=extensions)


class NulRefusal(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        # Listed after DocumentLimits, like IntrospectionPolicy: a refusal
        # replaces an empty list of errors and nothing runs.
        execution = self.execution_context
        portal = getattr(execution.context, "portal", None) is not None
        if not execution.pre_execution_errors and not portal:
            refused = nul_refusal(execution.variables, execution.query, execution.graphql_document)
            if refused is not None:
                execution.pre_execution_errors = [refused]
        yield
