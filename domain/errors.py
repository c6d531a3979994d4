"""Expected failures, in a form the API turns into ``userErrors``.

Issue 11: "Domain failures are one kind of value with a code from one enum
per area". Each area owns an ``ErrorCode`` enum (``domain.actions.outcome.Code``,
``domain.rules.capacity.CapacityErrorCode``...); the schema turns the areas a
payload can return into that payload's GraphQL enum (``schema.errors``), so
the domain never imports GraphQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Self


class ErrorCode(StrEnum):
    """The base of every area's codes. A member is written ``NAME = "NAME",
    "when it happens"``: its value is the wire string clients compare, its
    ``description`` documents it in the schema."""

    description: str

    def __new__(cls, value: str, description: str) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.description = description
        return member


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request: a stable code, a message, a field path."""

    code: ErrorCode
    message: str
    field: tuple[str, ...] = ()


class InvalidRequest(Exception):
    """Raised by a rule that refuses its input; nothing has been changed."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = list(problems)

    @classmethod
    def one(cls, code: ErrorCode, message: str, *field: str) -> InvalidRequest:
        return cls([Problem(code=code, message=message, field=tuple(field))])
