"""``schema.document_facts``: one walk, remembered per text, answering what
each check's own walk of the whole tree answered."""

from __future__ import annotations

import pytest
from graphql import parse

from schema.document_facts import _KNOWN, DocumentFacts, document_facts, walk
from schema.document_limits import CACHE_SIZE

DOCUMENTS = {
    "{ me { id } }": DocumentFacts(introspects=False, nul_literal=False),
    "{ __typename }": DocumentFacts(introspects=False, nul_literal=False),
    "{ __schema { types { name } } }": DocumentFacts(introspects=True, nul_literal=False),
    # Introspection hidden in a fragment, a NUL spelled as an escape.
    'query { ...F } fragment F on Query { __type(name: "Query") { name } }': DocumentFacts(
        introspects=True, nul_literal=False
    ),
    'mutation { x(note: "a\\u0000b") { ok } }': DocumentFacts(introspects=False, nul_literal=True),
    '{ __type(name: "\\u0000") { name } }': DocumentFacts(introspects=True, nul_literal=True),
    '{ a(s: """block \\u0000 is not an escape""") }': DocumentFacts(
        introspects=False, nul_literal=False
    ),
}


@pytest.mark.parametrize("query", DOCUMENTS)
def test_the_facts_are_the_documents(query: str) -> None:
    document = parse(query)
    assert walk(document) == DOCUMENTS[query]
    # Remembered by text: the second answer is the first.
    assert document_facts(query, document) == DOCUMENTS[query]
    assert document_facts(query, parse(query)) is document_facts(query, document)
    assert document_facts(None, document) == DOCUMENTS[query]


def test_the_memory_is_bounded() -> None:
    for n in range(CACHE_SIZE + 10):
        query = f"{{ f{n} }}"
        document_facts(query, parse(query))
    assert len(_KNOWN) == CACHE_SIZE
