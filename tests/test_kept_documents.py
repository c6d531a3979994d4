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
