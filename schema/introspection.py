"""Who may introspect the schema (``INTROSPECTION``, issue 10).

With dev mode off, anonymous introspection answered all the schema's types.
The setting (``Settings.introspection_policy``) is ``on`` (anyone: the
default in dev mode, GraphiQL needs it), ``staff`` (a signed-in staff
member) or ``off`` (nobody: the default in production). A refused document
gets one top-level error with code ``INTROSPECTION_DISABLED`` and runs
nothing; ``__typename`` is not introspection and is always answered.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import DocumentNode, GraphQLError
from strawberry.extensions import SchemaExtension

from schema.document_facts import document_facts

POLICIES = ("on", "staff", "off")


def refusal(
    policy: str, context: Any, query: str | None, document: DocumentNode | None
) -> GraphQLError | None:
    """The error for a document the policy refuses, else None."""
    if policy == "on" or document is None or not document_facts(query, document).introspects:
        return None
    if policy == "staff" and getattr(context, "viewer", None) is not None:
        return None
    return GraphQLError(
        "Introspection is disabled on this server"
        + (": sign in with a staff bearer token." if policy == "staff" else "."),
        extensions={"code": "INTROSPECTION_DISABLED"},
    )


def _policy(context: Any) -> str:
    settings = getattr(getattr(context, "services", None), "settings", None)
    policy = getattr(settings, "introspection_policy", "off")
    return policy if policy in POLICIES else "off"


class IntrospectionPolicy(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        # Listed after DocumentLimits, which sets the errors it found: a
        # refusal replaces an empty list, and graphql-core's validation is skipped.
        execution = self.execution_context
        if not execution.pre_execution_errors:
            context = execution.context
            refused = refusal(
                _policy(context), context, execution.query, execution.graphql_document
            )
            if refused is not None:
                execution.pre_execution_errors = [refused]
        yield
