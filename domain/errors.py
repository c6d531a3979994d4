"""Expected failures, in a form the API turns into ``userErrors``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request: a stable code, a message, a field path."""

    code: str
    message: str
    field: tuple[str, ...] = ()


class InvalidRequest(Exception):
    """Raised by a rule that refuses its input; nothing has been changed."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = list(problems)

    @classmethod
    def one(cls, code: str, message: str, *field: str) -> InvalidRequest:
        return cls([Problem(code=code, message=message, field=tuple(field))])
