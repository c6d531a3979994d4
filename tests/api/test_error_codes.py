"""Errors are typed (issue 11): "the schema exposes `code` as a GraphQL enum per
payload (saleor's pattern), so clients can switch on it and the schema
documents every code". The schema is read by introspection, as a client
reads it, and compared with the domain's enums of codes."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
import strawberry
from graphql import GraphQLEnumType, GraphQLError

from domain.actions.outcome import Code, Outcome
from domain.errors import ErrorCode, Problem
from domain.lock import LockErrorCode
from domain.rules.capacity import CapacityErrorCode
from domain.rules.settings import SettingsErrorCode
from schema.actions.results import ActionResult
from schema.build import schema
from schema.errors import CODE_SOURCES, EditLockError, MassActionError, PortalEventError, UserError
from schema.review import NotApplied
from subscriptions.activity import LiveErrorCode
from tests.support import Api

ROOT = Path(__file__).resolve().parents[2]
# Codes a subscription reports as a top-level error (extensions.code), not a payload's.
NOT_IN_PAYLOADS: tuple[type[ErrorCode], ...] = (LiveErrorCode,)

TYPES = """{ __schema { types { name kind
  fields { name type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }
  enumValues { name description } } } }"""


def areas() -> list[type[ErrorCode]]:
    """Every area's enum of codes (the app's modules are imported by the schema)."""
    found: list[type[ErrorCode]] = []
    pending = list(ErrorCode.__subclasses__())
    while pending:
        area = pending.pop()
        found.append(area)
        pending += area.__subclasses__()
    return found


def named(kind: dict[str, Any]) -> dict[str, Any]:
    while kind.get("ofType"):
        kind = kind["ofType"]
    return kind


async def introspected(api: Api) -> dict[str, dict[str, Any]]:
    types = (await api.data(TYPES))["__schema"]["types"]
    return {t["name"]: t for t in types}


def code_enums(types: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Each field called ``code`` (``Type.code``) and the type it returns."""
    return {
        f"{t['name']}.{field['name']}": named(field["type"])["name"]
        for t in types.values()
        if not t["name"].startswith("__")
        for field in t["fields"] or []
        if field["name"] == "code"
    }


async def test_every_code_field_is_an_enum_of_the_domain_codes_it_names(api: Api) -> None:
    # given the schema as a client reads it
    types = await introspected(api)
    fields = code_enums(types)
    by_value: dict[str, list[ErrorCode]] = {}
    for area in areas():
        for member in area:
            by_value.setdefault(member.value, []).append(member)
    # then every `code` is an enum, not a String
    assert fields and {types[name]["kind"] for name in fields.values()} == {"ENUM"}, fields
    # and every payload's userErrors say `code: <its enum>!`
    for t in types.values():
        for field in t["fields"] or []:
            if field["name"] == "userErrors":
                error = named(field["type"])["name"]
                assert f"{error}.code" in fields, (t["name"], error)
    for enum in set(fields.values()):
        declared = {
            member.value
            for source in CODE_SOURCES[enum]
            for member in ([source] if isinstance(source, ErrorCode) else list(source))
        }
        values = types[enum]["enumValues"]
        # its values are exactly the domain codes declared for it
        assert {v["name"] for v in values} == declared, enum
        # each is described by the domain member(s) of that name the enum draws on
        for value in values:
            assert value["description"], (enum, value["name"])
            drawn = [m for m in by_value[value["name"]] if m.description in value["description"]]
            assert drawn, (enum, value)


async def test_the_schema_documents_every_domain_code(api: Api) -> None:
    # given every enum a `code` field returns
    types = await introspected(api)
    documented = {
        value["name"]
        for enum in set(code_enums(types).values())
        for value in types[enum]["enumValues"]
    }
    # then every code of every area is in one of them (but the live feed's,
    # which are top-level errors of a subscription)
    missing = {
        f"{area.__name__}.{member.name}"
        for area in areas()
        if area not in NOT_IN_PAYLOADS
        for member in area
        if member.value not in documented
    }
    assert not missing


def referenced_codes() -> set[tuple[str, str]]:
    """``Area.MEMBER`` as the application's code spells them, where it refuses
    something (``schema/errors.py`` only lists codes, so it does not count)."""
    found: set[tuple[str, str]] = set()
    for package in ("domain", "resolvers", "schema", "subscriptions", "service"):
        for path in (ROOT / package).rglob("*.py"):
            if path == ROOT / "schema" / "errors.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                    found.add((node.value.id, node.attr))
                elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
                    found.add((node.value.attr, node.attr))
    return found


def test_every_code_is_one_the_application_returns() -> None:
    # given the codes the application's modules name
    referenced = referenced_codes()
    # then no area defines a code nothing returns (the schema would document it)
    unused = {
        f"{area.__name__}.{member.name}"
        for area in areas()
        for member in area
        if (area.__name__, member.name) not in referenced
    }
    assert not unused


OUTSIDE = [
    (MassActionError, LockErrorCode.LOCK_HELD),
    (MassActionError, CapacityErrorCode.CLASS_FULL),
    (EditLockError, Code.NOT_FOUND),
    (PortalEventError, SettingsErrorCode.INVALID_TIME_ZONE),
]


@pytest.mark.parametrize(("kind", "outside"), OUTSIDE)
def test_a_code_outside_its_payloads_enum_is_refused_not_sent(
    kind: type[UserError], outside: ErrorCode
) -> None:
    # given a payload's error type and a code its enum does not list
    own = next(iter(CODE_SOURCES[f"{kind.__name__}Code"]))
    first = own if isinstance(own, ErrorCode) else next(iter(own))
    # then a code of its own is taken
    assert kind.from_problem(Problem(first, "refused")).code == first
    # and the other is a bug refused where it is made (the client gets a
    # masked internal error), never an undocumented string
    with pytest.raises(ValueError, match=outside.value):
        kind.from_problem(Problem(outside, "refused"))
    # and the schema's enum would not serialise it either
    codes = schema._schema.get_type(f"{kind.__name__}Code")
    assert isinstance(codes, GraphQLEnumType)
    assert codes.serialize(first) == first.value
    with pytest.raises(GraphQLError):
        codes.serialize(outside)


def test_an_entrys_result_and_not_applied_codes_are_checked_too() -> None:
    with pytest.raises(ValueError, match="LOCK_LOST"):
        ActionResult(
            id=strawberry.ID("x"),
            outcome=Outcome.FAILED,
            code=LockErrorCode.LOCK_LOST,
            message=None,
            entry=None,
        )
    with pytest.raises(ValueError, match="CLASS_FULL"):
        NotApplied(
            entry_id=strawberry.ID("x"), code=CapacityErrorCode.CLASS_FULL, message="m", field=None
        )
    assert (
        ActionResult(
            id=strawberry.ID("x"), outcome=Outcome.APPROVED, code=None, message=None, entry=None
        ).code
        is None
    )
