"""The statements every reference uses: the upsert by external id, the
insert of a record an event creates, and the lock order of a batch."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from domain.errors import InvalidRequest
from domain.ingestion.error_codes import PortalEventErrorCode
from models.base import Base

KEY = ["organisation_id", "external_id"]


def insert_for(session: AsyncSession, model: type[Base]) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


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
        insert = insert_for(self.session, model)
        table = model.__table__
        set_: dict[str, Any] = {name: insert.excluded[name] for name in replace}
        set_.update({name: func.coalesce(insert.excluded[name], table.c[name]) for name in fill})
        statement = (
            insert.values(organisation_id=self.organisation_id, **values)
            .on_conflict_do_update(index_elements=KEY, set_=set_)
            .returning(*returning)
        )
        return (await self.session.execute(statement)).one()

    async def create_once(
        self,
        model: type[Base],
        values: Mapping[str, Any],
        *,
        field: tuple[str, ...],
        key: tuple[str, ...] = tuple(KEY),
    ) -> int:
        """Insert a record the event creates; refuse one seen before."""
        insert = insert_for(self.session, model)
        created = await self.session.scalar(
            insert.values(organisation_id=self.organisation_id, **values)
            .on_conflict_do_nothing(index_elements=list(key))
            .returning(model.id)  # type: ignore[attr-defined]
        )
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
