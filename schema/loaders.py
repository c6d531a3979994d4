"""Per-request DataLoaders: one query per kind of record per page, never per row.

Each batch reads through ``reads``: the request's shared read session in an
HTTP query (``Context.read``), else its own short session. Every batch is
scoped to the caller's organisation (the
staff viewer's, or the portal's), so a foreign id simply loads as None.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeAlias, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from domain.actions.records import CHECKED, RecordState, records_now
from domain.organisation import OrganisationSettings, load_settings
from domain.vocabulary import WindowStatus
from domain.window_rows import FamilyRead, LocationRead, OrganisationRead, WindowEntry
from models import Enrollment, Family, Location, Student
from models.db import Database

Row = TypeVar("Row", Location, Family, Student, Enrollment)
K = TypeVar("K")
T = TypeVar("T")
S = TypeVar("S")

# A loader's value not yet in hand: graphql-core awaits it.
Pending: TypeAlias = asyncio.Future[T]
# A field's value: the object, None, or the awaitable that gives it.
Shown: TypeAlias = S | Awaitable[S | None] | None


def held(loader: DataLoader[K, T], key: K) -> T | Pending[T]:
    """The loaded value itself when the request already holds it (records
    read with the page prime the loaders), else the loader's future: a
    field then resolves without a coroutine of its own (issue 12)."""
    future = loader.cache_map.get(key)
    if (
        future is not None
        and future.done()
        and not future.cancelled()
        and future.exception() is None
    ):
        value: T = future.result()
        return value
    found = loader.load(key)
    assert isinstance(found, asyncio.Future)
    return found


def shown(found: Any, show: Callable[[Any], S]) -> Shown[S]:
    """``show`` applied to a record from ``held``, now or once it is loaded
    (``Any``: mypy cannot solve one type variable for a union of row types)."""
    if isinstance(found, asyncio.Future):

        async def later() -> S | None:
            row = await found
            return None if row is None else show(row)

        return later()
    return None if found is None else show(found)


Reads: TypeAlias = Callable[[], AbstractAsyncContextManager[AsyncSession]]


def _batch(reads: Reads, organisation_id: int, model: type[Row]) -> Any:
    """A loader's batch function. It holds what it reads with, never the
    ``Loaders`` holding it: a loader and its batch function in a cycle
    would keep every row a request loaded alive until a garbage collection
    (bench/FIXES.md, eighth pass), not until the request lets go."""

    async def load(ids: Sequence[int]) -> list[Row | None]:
        async with reads() as session:
            rows = await session.scalars(
                select(model).where(model.id.in_(ids), model.organisation_id == organisation_id)
            )
            by_id = {row.id: row for row in rows}
        return [by_id.get(i) for i in ids]

    return load


def _record_states(reads: Reads) -> Any:
    async def load(rows: Sequence[WindowEntry]) -> list[RecordState | None]:
        """What approving and denying each pending request would meet now."""
        async with reads() as session:
            states = await records_now(session, rows)
        return [states.get(row.id) for row in rows]

    return load


class Loaders:
    def __init__(
        self,
        database: Database,
        organisation_id: int,
        *,
        reads: Reads | None = None,
    ) -> None:
        self._reads = read = reads or database.read
        self._organisation_id = organisation_id
        # Loaded rows, or the rows read with a window page (``prime``).
        self.location: DataLoader[int, Location | LocationRead | None] = DataLoader(
            _batch(read, organisation_id, Location)
        )
        self.family: DataLoader[int, Family | FamilyRead | None] = DataLoader(
            _batch(read, organisation_id, Family)
        )
        self.student: DataLoader[int, Student | None] = DataLoader(
            _batch(read, organisation_id, Student)
        )
        # The enrollment an entry refers to, as it is now (a transfer's
        # suggested drop date reads it, as approval does).
        self.enrollment: DataLoader[int, Enrollment | None] = DataLoader(
            _batch(read, organisation_id, Enrollment)
        )
        self._settings: asyncio.Future[OrganisationSettings] | None = None
        # Keyed by the loaded entry (one object per entry per request).
        self.record_state: DataLoader[WindowEntry, RecordState | None] = DataLoader(
            _record_states(read), cache_key_fn=id
        )

    def prime(
        self,
        locations: Mapping[int, LocationRead],
        families: Mapping[int, FamilyRead],
        organisation: OrganisationRead | None = None,
    ) -> None:
        """Records read with the page (``domain.window.fetch_page``): their
        fields then resolve without a query of their own."""
        self.location.prime_many(dict(locations))
        self.family.prime_many(dict(families))
        if organisation is not None and self._settings is None:
            self._settings = asyncio.get_running_loop().create_future()
            self._settings.set_result(OrganisationSettings.from_row(organisation))

    @staticmethod
    def has_record(row: WindowEntry) -> bool:
        """A pending request with a record to check (no query otherwise)."""
        return (
            row.resolution is None
            and row.status == WindowStatus.PENDING.value
            and row.type in CHECKED
        )

    async def settings(self) -> OrganisationSettings:
        """The organisation's settings, read once per request (or event)."""
        if self._settings is None:
            self._settings = asyncio.ensure_future(self._load_settings())
        try:
            return await asyncio.shield(self._settings)
        except BaseException:
            if self._settings.done():
                self._settings = None
            raise

    async def _load_settings(self) -> OrganisationSettings:
        async with self._reads() as session:
            return await load_settings(session, self._organisation_id)
