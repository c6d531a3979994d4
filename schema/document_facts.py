"""What the per-request checks need to know of a document, found in one walk
and remembered per query text.

``schema.introspection`` (does it select ``__schema`` or ``__type``?) and
``schema.input_text`` (does a string literal hold a NUL?) each walked the
whole syntax tree on every request, a repeated query included: about
0.7 ms apiece for the window's document, more than the parse and
validation caches left of that work (``make bench``, profile in
BENCHMARKS.md). The answers depend on the text alone, so they are found
once, together, and kept in a bounded LRU beside the parser's cache
(``schema.document_limits``), keyed by the text (whose hash Python keeps;
a document node's hash walks the tree again).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Final

from graphql import DocumentNode, FieldNode, Node, StringValueNode

from schema.document_limits import CACHE_SIZE

INTROSPECTION_FIELDS: Final = frozenset({"__schema", "__type"})
NUL: Final = "\x00"


@dataclass(frozen=True)
class DocumentFacts:
    # Selects ``__schema`` or ``__type`` anywhere, fragments included.
    introspects: bool
    # A string literal of the document holds U+0000.
    nul_literal: bool


def walk(document: Node) -> DocumentFacts:
    """Both facts in one pass, linear in the document's size."""
    introspects = nul_literal = False
    stack: list[Any] = [document]
    while stack and not (introspects and nul_literal):
        current = stack.pop()
        if isinstance(current, FieldNode) and current.name.value in INTROSPECTION_FIELDS:
            introspects = True
        elif isinstance(current, StringValueNode) and NUL in current.value:
            nul_literal = True
        for key in current.keys:
            if key == "loc":
                continue
            value = getattr(current, key, None)
            if isinstance(value, Node):
                stack.append(value)
            elif isinstance(value, tuple | list):
                stack.extend(v for v in value if isinstance(v, Node))
    return DocumentFacts(introspects=introspects, nul_literal=nul_literal)


_KNOWN: Final[OrderedDict[str, DocumentFacts]] = OrderedDict()


def document_facts(query: str | None, document: DocumentNode) -> DocumentFacts:
    """The facts of ``document``, the parse of ``query``: remembered per
    text (the ``CACHE_SIZE`` most recent), walked now without one."""
    if query is None:
        return walk(document)
    found = _KNOWN.get(query)
    if found is not None:
        _KNOWN.move_to_end(query)
        return found
    found = _KNOWN[query] = walk(document)
    if len(_KNOWN) > CACHE_SIZE:
        _KNOWN.popitem(last=False)
    return found
