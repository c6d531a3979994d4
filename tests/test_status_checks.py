"""The database refuses a status the models do not know.

Issue 11: "Status values ("REQUESTED", "ACTIVE", "BOOKED"...) are enums in
the models with CHECK constraints in the migrations." Run on the migrated
database of the suite's backend (SQLite, or PostgreSQL).
"""

from __future__ import annotations

import enum
import re
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Connection, Enum, func, inspect, select, text
from sqlalchemy.exc import IntegrityError

from domain.vocabulary import ActivityType
from models import ActivityEntry, Base, ClassOffering, Enrollment
from models.db import Database
from models.statuses import WindowStatus
from service.provisioning import create_organisation
from tests.factories import add_entries, add_family


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    try:
        yield database
    finally:
        await database.dispose()


def _stored_enums() -> dict[tuple[str, str], type[enum.Enum]]:
    """(table, column) -> its enum, for every enum-typed column of the models."""
    found: dict[tuple[str, str], type[enum.Enum]] = {}
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, Enum) and column.type.enum_class is not None:
                found[(table.name, column.name)] = column.type.enum_class
    return found


def _checks(connection: Connection) -> dict[str, str]:
    inspector = inspect(connection)
    return {
        str(check["name"]): str(check["sqltext"])
        for table in inspector.get_table_names()
        for check in inspector.get_check_constraints(table)
    }


async def test_every_stored_enum_has_its_check_in_the_migrated_database(
    database: Database,
) -> None:
    # Given the database as the migrations leave it
    async with database.write_engine.connect() as connection:
        checks = await connection.run_sync(_checks)
    enums = _stored_enums()
    assert len(enums) == 11, sorted(enums)
    # Then each enum-typed column has a CHECK that allows exactly its values
    for (table, column), stored in enums.items():
        name = f"ck_{table}_{column}"
        assert name in checks, f"the migrations add no {name}"
        allowed = set(re.findall(r"'([A-Z_]+)'", checks[name]))
        assert allowed == {m.value for m in stored}, name


async def test_a_bad_status_is_refused_by_the_database(database: Database) -> None:
    # Given an organisation with one entry, and a class a student could join
    async with database.write() as session:
        organisation = await create_organisation(
            session, slug="checked", name="Checked", locations=[("pool", "Pool")]
        )
        swim = ClassOffering(
            organisation_id=organisation.id,
            location_id=organisation.location_ids["pool"],
            external_id="swim",
            name="Swim",
        )
        session.add(swim)
    [entry_id] = await add_entries(database, organisation.id, {"type": ActivityType.PAYMENT})
    _, student_id = await add_family(database, organisation.id)

    # When raw SQL sets a status no enum knows, then the database refuses it
    with pytest.raises(IntegrityError):
        async with database.write() as session:
            await session.execute(
                text("UPDATE activity_entries SET status = 'WAITING' WHERE id = :id"),
                {"id": entry_id},
            )
    # and so it does a write through the models with a plain string
    with pytest.raises(IntegrityError):
        async with database.write() as session:
            session.add(
                Enrollment(
                    organisation_id=organisation.id,
                    external_id="e1",
                    student_id=student_id,
                    class_id=swim.id,
                    status="ENROLLED",
                )
            )

    # and what was stored before is untouched, read back as its enum
    async with database.read() as session:
        status = await session.scalar(
            select(ActivityEntry.status).where(ActivityEntry.id == entry_id)
        )
        enrollments = await session.scalar(select(func.count()).select_from(Enrollment))
    assert status is WindowStatus.NOTIFICATION
    assert enrollments == 0
