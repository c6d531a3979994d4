"""The statements every reference uses: the upsert by external id, the
insert of a record an event creates, and the lock order of a batch."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from domain.errors import InvalidRequest
from domain.ingestion.error_codes import PortalEventErrorCode
from domain.process_caches import ProcessCache
from models.base import Base

KEY = ["organisation_id", "external_id"]


# The reference statements, built once per shape: building an upsert (its
# ``excluded`` alias, its values and the ORM's DML handling) was about a
# fifth of a portal event's Python time (issue 12: the event is recorded on
# the core that fans it out). Bounded: shapes come from the code, not the data.
STATEMENTS_KEPT = 256
_statements: ProcessCache[tuple[Any, ...], Any] = ProcessCache(STATEMENTS_KEPT)


def _core_insert(dialect: str, model: type[Base], names: tuple[str, ...]) -> Any:
    """``INSERT INTO <model's table> (organisation_id, names...)`` with a bound
    parameter of each column's name, for ``session.execute(statement, values)``."""
    table: Any = model.__table__
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    return insert.values({name: bindparam(name) for name in ("organisation_id", *names)})


def _upsert_statement(
    dialect: str,
    model: type[Base],
    names: tuple[str, ...],
    returning: tuple[str, ...],
    replace: tuple[str, ...],
    fill: tuple[str, ...],
) -> Any:
    table: Any = model.__table__
    insert = _core_insert(dialect, model, names)
    set_: dict[str, Any] = {name: insert.excluded[name] for name in replace}
    set_.update({name: func.coalesce(insert.excluded[name], table.c[name]) for name in fill})
    return insert.on_conflict_do_update(index_elements=KEY, set_=set_).returning(
        *(table.c[name] for name in returning)
    )


def _create_statement(
    dialect: str, model: type[Base], names: tuple[str, ...], key: tuple[str, ...]
) -> Any:
    table: Any = model.__table__
    return (
        _core_insert(dialect, model, names)
        .on_conflict_do_nothing(index_elements=list(key))
        .returning(table.c.id)
    )


class Upserts:
    """One organisation's records within one unit of work, each upserted
    once per event (``_ids`` keeps what was resolved)."""

    def __init__(self, session: AsyncSession, organisation_id: int) -> None:
        self.session = session
        self.organisation_id = organisation_id
        self._ids: dict[tuple[str, str], Any] = {}

    async def _upsert(
        self,
        model: type[Base],
        values: Mapping[str, Any],
        returning: tuple[InstrumentedAttribute[Any], ...],
        *,
        replace: tuple[str, ...],
        fill: tuple[str, ...] = (),
    ) -> Any:
        """Insert, or update ``replace`` columns with what was sent and
        ``fill`` columns only where something was sent (NULL keeps ours)."""
        dialect = self.session.get_bind().dialect.name
        names = tuple(values)
        columns = tuple(attribute.key for attribute in returning)
        statement = _statements.get(
            ("upsert", dialect, model, names, columns, replace, fill),
            partial(_upsert_statement, dialect, model, names, columns, replace, fill),
        )
        parameters = {"organisation_id": self.organisation_id, **values}
        return (await self.session.execute(statement, parameters)).one()

    async def create_once(
        self,
        model: type[Base],
        values: Mapping[str, Any],
        *,
        field: tuple[str, ...],
        key: tuple[str, ...] = tuple(KEY),
    ) -> int:
        """Insert a record the event creates; refuse one seen before."""
        dialect = self.session.get_bind().dialect.name
        names = tuple(values)
        statement = _statements.get(
            ("create", dialect, model, names, key),
            partial(_create_statement, dialect, model, names, key),
        )
        parameters = {"organisation_id": self.organisation_id, **values}
        created = await self.session.scalar(statement, parameters)
        if created is None:
            raise InvalidRequest.one(
                PortalEventErrorCode.DUPLICATE_RECORD,
                f"{values['external_id']} was already recorded by another event",
                *field,
            )
        return int(created)

    async def _in_id_order(self, model: Any, external_ids: Iterable[str]) -> list[str]:
        """The external ids in the lock order of one table (``domain.lock_order``,
        step 3): rows we have by id, then new ones by external id (so two
        events inserting the same new records wait on them in one order)."""
        wanted = sorted(set(external_ids))
        if len(wanted) < 2:
            return wanted
        known: dict[str, int] = {
            external_id: int(row_id)
            for external_id, row_id in await self.session.execute(
                select(model.external_id, model.id).where(
                    model.organisation_id == self.organisation_id,
                    model.external_id.in_(wanted),
                )
            )
        }
        return sorted(wanted, key=lambda e: (0, known[e], "") if e in known else (1, 0, e))
