"""How expected failures appear in the schema: ``userErrors``, never top-level errors."""

from __future__ import annotations

import strawberry

from domain.errors import Problem


@strawberry.type(description="Something wrong with the request; nothing was changed.")
class UserError:
    code: str = strawberry.field(description="Stable, machine-readable reason.")
    message: str
    field: list[str] | None = strawberry.field(
        description="Path to the input field at fault, from the operation's arguments."
    )

    @classmethod
    def from_problem(cls, problem: Problem) -> UserError:
        return cls(code=problem.code, message=problem.message, field=list(problem.field) or None)


@strawberry.type(description="The arguments of a query were refused.")
class InvalidArguments:
    user_errors: list[UserError]

    @classmethod
    def from_problems(cls, problems: list[Problem]) -> InvalidArguments:
        return cls(user_errors=[UserError.from_problem(p) for p in problems])
