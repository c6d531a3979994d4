"""An object's collected subfields, kept across requests of one document.

Issue 12: "per-field resolver overhead on the union page". graphql-core
collects the fields of each object type a selection reaches (its
fragments and inline fragments walked, the fields grouped by response key)
once per execution: a window page reaches ten object types and their
locations and families, about thirty collections a request, 10-11 % of a
window request (py-spy, in-process). For one parsed document (the parser
cache keeps the same nodes for every request of it) the result depends on
the variables only through directives (``@skip``, ``@include``, ``@defer``)
and fragment arguments, so in a document with neither it is the same every
time: collected once, it is kept by the identity of the field nodes it was
collected under, with those nodes held so an identity cannot be reused.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Mapping

from graphql import (
    FragmentDefinitionNode,
    GraphQLObjectType,
    OperationDefinitionNode,
    Visitor,
    visit,
)
from graphql.execution.collect_fields import CollectedFields, FieldDetailsList
from graphql.language import FieldNode

SUBFIELDS_KEPT = 2048
Held = tuple[GraphQLObjectType | FieldNode, ...]
DOCUMENTS_KEPT = 256


class _Directives(Visitor):
    found = False

    def enter_directive(self, *_args: object) -> object:
        self.found = True
        return Visitor.BREAK


def _has_directives(node: OperationDefinitionNode | FragmentDefinitionNode) -> bool:
    seen = _Directives()
    visit(node, seen)
    return seen.found


class KeptSubfields:
    """Collected subfields by (object type, field nodes), least recently used
    forgotten first; only for operations without directives or fragment
    variables."""

    def __init__(self, kept: int = SUBFIELDS_KEPT) -> None:
        self._kept = kept
        # The type and nodes are held beside what was collected under them.
        self._found: OrderedDict[Hashable, tuple[Held, CollectedFields]] = OrderedDict()
        # Whether an operation (with its document's fragments) may use the
        # cache, by identity: an operation's node belongs to one document.
        self._plain: OrderedDict[int, tuple[OperationDefinitionNode, bool]] = OrderedDict()

    def plain(
        self,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
    ) -> bool:
        """Whether ``operation`` and its document's fragments have no directive
        (the fragments are read only the first time an operation is seen)."""
        known = self._plain.get(id(operation))
        if known is not None and known[0] is operation:
            return known[1]
        plain = not _has_directives(operation) and not any(map(_has_directives, fragments.values()))
        self._plain[id(operation)] = (operation, plain)
        if len(self._plain) > DOCUMENTS_KEPT:
            self._plain.popitem(last=False)
        return plain

    def get(
        self, return_type: GraphQLObjectType, details: FieldDetailsList
    ) -> tuple[Hashable, Held, CollectedFields | None] | None:
        """The kept collection for ``details`` (its key and nodes with it), or
        None where these details cannot be kept (a defer or fragment variables)."""
        for detail in details:
            if detail.defer_usage is not None or detail.fragment_variable_values is not None:
                return None
        held: Held = (return_type, *(detail.node for detail in details))
        key = tuple(map(id, held))
        found = self._found.get(key)
        if found is None:
            return key, held, None
        kept, collected = found
        if any(a is not b for a, b in zip(kept, held, strict=True)):
            return key, held, None
        self._found.move_to_end(key)
        return key, held, collected

    def keep(self, key: Hashable, held: Held, collected: CollectedFields) -> None:
        if collected.new_defer_usages or collected.forbidden_directive_instances:
            return
        self._found[key] = (held, collected)
        if len(self._found) > self._kept:
            self._found.popitem(last=False)

    def clear(self) -> None:
        self._found.clear()
        self._plain.clear()


KEPT_SUBFIELDS = KeptSubfields()
