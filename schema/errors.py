"""How expected failures appear in the schema: ``userErrors``, never top-level errors.

Issue 11: "the schema exposes `code` as a GraphQL enum per payload (saleor's
pattern), so clients can switch on it and the schema documents every code".
The domain owns one ``ErrorCode`` enum per area; this module is the one place
that turns the areas a payload can return into that payload's GraphQL enum
(``code_enum``), each value described by its domain member. On the wire a
code is its name, the same string as before. A code outside its payload's
enum is a server bug: refused where the error is made (``TypedCode``: a
masked internal error, logged), never a silent new string;
``tests/api/test_error_codes.py`` checks the schema against the domain's enums.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Self, cast

import strawberry
from strawberry.types.enum import StrawberryEnumDefinition

from domain.actions.deny import DenyErrorCode
from domain.actions.dismiss import DismissErrorCode
from domain.actions.outcome import Code as ActionCode
from domain.actions.review import ReviewErrorCode
from domain.actions.selection import SelectionErrorCode
from domain.audit import AuditErrorCode
from domain.cursors import PageErrorCode
from domain.email import EmailErrorCode
from domain.errors import ErrorCode, Problem
from domain.families import FamilyErrorCode
from domain.ingestion.error_codes import PortalEventErrorCode
from domain.lock import LockErrorCode
from domain.rules.billing import BillingErrorCode
from domain.rules.capacity import CapacityErrorCode
from domain.rules.drops import DropErrorCode
from domain.rules.settings import SettingsErrorCode
from domain.rules.transfers import TransferErrorCode
from domain.window_filter import WindowFilterErrorCode

Codes = type[ErrorCode] | ErrorCode

# The domain codes behind each GraphQL enum of codes, by the enum's name.
CODE_SOURCES: dict[str, tuple[Codes, ...]] = {}


def code_enum(name: str, description: str, *sources: Codes) -> Any:
    """The GraphQL enum ``name`` of the codes a payload can return: every code
    of each area given (an ``ErrorCode`` subclass), and each single code given.

    A name two areas share (``NOT_FOUND``) is one value: the wire string is
    the same, and its description joins the areas' descriptions.
    """
    described: dict[str, list[str]] = {}
    for source in sources:
        for code in [source] if isinstance(source, ErrorCode) else list(source):
            texts = described.setdefault(code.value, [])
            if code.description not in texts:
                texts.append(code.description)
    members = {
        value: strawberry.enum_value(value, description=" Or: ".join(texts))
        for value, texts in described.items()
    }
    CODE_SOURCES[name] = sources
    codes = cast("type[Enum]", Enum(name, members))
    return strawberry.enum(codes, name=name, description=description)


# Every staff action checks the viewer's rights first (``require_actor``),
# and the edit lock (``domain_lock_check``) before it changes anything.
ACTOR = ActionCode.ACCESS_DENIED
LOCK_CLAIM = (LockErrorCode.LOCK_REQUIRED, LockErrorCode.LOCK_LOST)
# Why one entry was refused: an action's ``Refusal`` (``ActionResult.code``).
ITEM_AREAS = (ActionCode, CapacityErrorCode, DropErrorCode, TransferErrorCode, DismissErrorCode)
# Approving one entry: its own refusal, but never dismissing's.
APPROVE_ITEM_AREAS = ITEM_AREAS[:-1]

ActionResultCode = code_enum(
    "ActionResultCode", "Why an entry of a staff action was skipped or failed.", *ITEM_AREAS
)
NotAppliedCode = code_enum(
    "NotAppliedCode",
    "Why a recorded portal event was not applied as sent.",
    TransferErrorCode,
    BillingErrorCode,
)
DropErrorCodeEnum = code_enum(
    "DropErrorCode", "Why a drop request misses the school's criteria.", DropErrorCode
)
ArgumentErrorCode = code_enum(
    "ArgumentErrorCode",
    "Why the arguments of a query (the window, the audit log, an email preview) were refused.",
    PageErrorCode,
    WindowFilterErrorCode,
    AuditErrorCode,
    ACTOR,
    SelectionErrorCode,
    ActionCode.NOT_FOUND,
    EmailErrorCode,
)
EditLockErrorCode = code_enum(
    "EditLockErrorCode", "Why an edit-lock mutation was refused.", LockErrorCode
)
MassActionErrorCode = code_enum(
    "MassActionErrorCode",
    "Why a mass approve or dismiss was refused as a whole (each entry's own refusal is "
    "its result's `code`).",
    ACTOR,
    SelectionErrorCode,
    WindowFilterErrorCode,
    *LOCK_CLAIM,
)
ApproveActivityErrorCode = code_enum(
    "ApproveActivityErrorCode",
    "Why approving one entry was refused (the entry's own refusal included).",
    *APPROVE_ITEM_AREAS,
    *LOCK_CLAIM,
)
DenyActivityErrorCode = code_enum(
    "DenyActivityErrorCode",
    "Why denying one entry was refused (the entry's own refusal included).",
    ActionCode,
    DenyErrorCode,
    *LOCK_CLAIM,
)
ReviewOnlineOrderErrorCode = code_enum(
    "ReviewOnlineOrderErrorCode",
    "Why reviewing an online order was refused.",
    ActionCode,
    ReviewErrorCode,
    *LOCK_CLAIM,
)
EmailFamiliesErrorCode = code_enum(
    "EmailFamiliesErrorCode",
    "Why an email to the selected entries' families was refused.",
    ACTOR,
    SelectionErrorCode,
    WindowFilterErrorCode,
    ActionCode.NOT_FOUND,
    EmailErrorCode,
    *LOCK_CLAIM,
)
SuspendFamilyErrorCode = code_enum(
    "SuspendFamilyErrorCode", "Why suspending a family was refused.", FamilyErrorCode, *LOCK_CLAIM
)
PortalEventErrorCodeEnum = code_enum(
    "PortalEventErrorCode", "Why a portal event was refused.", PortalEventErrorCode
)
SettingsErrorCodeEnum = code_enum(
    "SettingsErrorCode", "Why a settings change was refused.", SettingsErrorCode
)


_CODES_OF: dict[type, frozenset[str] | None] = {}


def _codes_of(kind: type) -> frozenset[str] | None:
    """The values of the enum ``kind.code`` is in the schema (None: a String)."""
    if kind not in _CODES_OF:
        field = kind.__strawberry_definition__.get_field("code")  # type: ignore[attr-defined]
        of_type = getattr(field.type, "of_type", field.type)  # unwrap `X | None`
        _CODES_OF[kind] = (
            frozenset(str(value.value) for value in of_type.values)
            if isinstance(of_type, StrawberryEnumDefinition)
            else None
        )
    return _CODES_OF[kind]


class TypedCode:
    """A type whose ``code`` is one of its enum's: another is a bug, refused
    when the object is made (a masked internal error, logged with its
    traceback), never sent as an undocumented string or an unmasked
    serialisation error."""

    code: str | None

    def __post_init__(self) -> None:
        codes = _codes_of(type(self))
        if codes is not None and self.code is not None and self.code not in codes:
            raise ValueError(f"{self.code} is not a code of {type(self).__name__}")


CODE = "Stable, machine-readable reason."
FIELD = "Path to the input field at fault, from the operation's arguments."


@strawberry.type(description="Something wrong with the request; nothing was changed.")
class UserError(TypedCode):
    """The fields of every payload's error type; each subclass types ``code``
    as its payload's enum (the base itself is not in the schema)."""

    code: str = strawberry.field(description=CODE)
    message: str
    field: list[str] | None = strawberry.field(description=FIELD)

    @classmethod
    def from_problem(cls, problem: Problem) -> Self:
        return cls(code=problem.code, message=problem.message, field=list(problem.field) or None)


DESCRIPTION = "Something wrong with the request; nothing was changed."


@strawberry.type(description=DESCRIPTION)
class ArgumentError(UserError):
    code: str = strawberry.field(graphql_type=ArgumentErrorCode, description=CODE)


@strawberry.type(description=DESCRIPTION)
class EditLockError(UserError):
    code: str = strawberry.field(graphql_type=EditLockErrorCode, description=CODE)


@strawberry.type(description=DESCRIPTION)
class MassActionError(UserError):
    code: str = strawberry.field(graphql_type=MassActionErrorCode, description=CODE)


@strawberry.type(description=DESCRIPTION)
class ApproveActivityError(UserError):
    code: str = strawberry.field(graphql_type=ApproveActivityErrorCode, description=CODE)


@strawberry.type(description=DESCRIPTION)
class DenyActivityError(UserError):
    code: str = strawberry.field(graphql_type=DenyActivityErrorCode, description=CODE)


@strawberry.type(description=DESCRIPTION)
class ReviewOnlineOrderError(UserError):
    code: str = strawberry.field(graphql_type=ReviewOnlineOrderErrorCode, description=CODE)


@strawberry.type(description=DESCRIPTION)
class EmailFamiliesError(UserError):
    code: str = strawberry.field(graphql_type=EmailFamiliesErrorCode, description=CODE)


@strawberry.type(description=DESCRIPTION)
class SuspendFamilyError(UserError):
    code: str = strawberry.field(graphql_type=SuspendFamilyErrorCode, description=CODE)


@strawberry.type(description=DESCRIPTION)
class PortalEventError(UserError):
    code: str = strawberry.field(graphql_type=PortalEventErrorCodeEnum, description=CODE)


@strawberry.type(description=DESCRIPTION)
class SettingsError(UserError):
    code: str = strawberry.field(graphql_type=SettingsErrorCodeEnum, description=CODE)


@strawberry.type(description="The arguments of a query were refused.")
class InvalidArguments:
    user_errors: list[ArgumentError]

    @classmethod
    def from_problems(cls, problems: list[Problem]) -> InvalidArguments:
        return cls(user_errors=[ArgumentError.from_problem(p) for p in problems])
