"""Lists of ids bound as one parameter, for set-based statements over
thousands of rows.

One bound value for any number of rows (no per-row ``IN`` parameter, no
chunks under the databases' parameter limits): ``json_each`` on SQLite,
``unnest(...)`` on PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    FromClause,
    Integer,
    any_,
    bindparam,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute


def dialect_of(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


@dataclass(frozen=True)
class Listed:
    """(id, version) pairs as a table: ``id``, ``version`` and ``position``
    (the pair's index in the list, from 0)."""

    table: FromClause

    @property
    def id(self) -> ColumnElement[int]:
        return self.table.c.id

    @property
    def version(self) -> ColumnElement[int]:
        return self.table.c.version

    @property
    def position(self) -> ColumnElement[int]:
        return self.table.c.position


def listed_versions(dialect: str, pairs: Sequence[tuple[int, int]], name: str = "pairs") -> Listed:
    """The (id, version) ``pairs`` as a table, in list order: ``unnest(...)
    WITH ORDINALITY`` on PostgreSQL, ``json_each`` (whose ``key`` is the
    array index) on SQLite."""
    if dialect == "postgresql":
        table = (
            func.unnest(
                bindparam(f"{name}_ids", [p[0] for p in pairs], type_=ARRAY(BigInteger)),
                bindparam(f"{name}_versions", [p[1] for p in pairs], type_=ARRAY(Integer)),
            )
            .table_valued("id", "version", with_ordinality="ordinality")
            .render_derived(with_types=False)
            .alias(name)
        )
        listed = (
            select(
                table.c.id.label("id"),
                table.c.version.label("version"),
                (table.c.ordinality - 1).label("position"),
            )
            .select_from(table)
            .subquery(f"{name}_listed")
        )
        return Listed(listed)
    each = (
        func.json_each(bindparam(f"{name}_json", json.dumps(pairs)))
        .table_valued("key", "value")
        .alias(name)
    )
    listed = (
        select(
            func.json_extract(each.c.value, "$[0]").label("id"),
            func.json_extract(each.c.value, "$[1]").label("version"),
            each.c.key.label("position"),
        )
        .select_from(each)
        .subquery(f"{name}_listed")
    )
    return Listed(listed)


def in_list(
    dialect: str,
    column: ColumnElement[int] | InstrumentedAttribute[int] | InstrumentedAttribute[int | None],
    ids: Iterable[int],
) -> ColumnElement[bool]:
    """``column`` is one of ``ids``, bound as one array (PostgreSQL) or one
    JSON text (SQLite)."""
    values = sorted(set(ids))
    if dialect == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(BigInteger)))
    each = func.json_each(bindparam(None, json.dumps(values))).table_valued("value")
    return column.in_(select(each.c.value))
