"""Parsed and validated documents are kept, and a kept one is not timed again.

``schema.document_limits.Kept`` keeps the last results of parsing and
validation as ``functools.lru_cache`` did, with a lookup that never computes:
a document found there skips the time budget's timer (four system calls a
step), since a lookup cannot run long.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from graphql import DocumentNode

from schema import document_limits
from schema.build import schema
from schema.document_limits import Kept


def test_a_result_is_computed_once_and_the_least_recently_used_is_forgotten() -> None:
    computed: list[str] = []

    def upper(text: str) -> str:
        computed.append(text)
        return text.upper()

    kept = Kept(upper, size=2)
    assert kept.known("a") is None
    assert kept("a") == "A" and kept("a") == "A"
    assert computed == ["a"] and kept.known("a") == "A"
    kept("b")
    kept.known("a")  # (a is now the most recently used)
    kept("c")
    assert kept.known("b") is None and kept.known("a") == "A"
    assert kept.__wrapped__ is upper


def test_a_failure_is_not_kept() -> None:
    attempts: list[str] = []

    def fails(text: str) -> str:
        attempts.append(text)
        raise ValueError(text)

    kept = Kept(fails, size=4)
    for _ in range(2):
        with pytest.raises(ValueError):
            kept("x")
    assert attempts == ["x", "x"] and kept.known("x") is None


async def test_a_kept_document_is_not_timed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    timed: list[float] = []
    budget = document_limits.time_budget

    @contextmanager
    def counted(seconds: float) -> Iterator[None]:
        timed.append(seconds)
        with budget(seconds):
            yield

    monkeypatch.setattr(document_limits, "time_budget", counted)
    document = "query KeptOnce { __typename }"
    first = await schema.execute(document)
    assert timed and not first.errors  # parsed and validated under the budget
    timed.clear()
    second = await schema.execute(document)
    assert timed == [] and second.data == first.data


async def test_a_kept_document_is_found_without_hashing_its_tree(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The parser cache hands every request of a text the same document:
    found by identity, its tree is not walked to hash it again; one parsed
    anew (equal, another object) is still found by value, and errors are kept
    as they were."""
    document = "query KeptByIdentity { __typename unknownField }"
    first = await schema.execute(document)
    assert first.errors
    walked: list[object] = []
    hashed = DocumentNode.__hash__

    def counted(node: object) -> int:
        walked.append(node)
        return hashed(node)

    monkeypatch.setattr(DocumentNode, "__hash__", counted)
    second = await schema.execute(document)
    assert walked == []
    assert [e.message for e in second.errors or []] == [e.message for e in first.errors]
    kept = document_limits._VALIDATED
    found = kept.get(schema._schema, document_limits._parse(document), ())
    assert found is None  # other rules: another key
