"""Each kind's details are typed: written with their version and checked,
read back as the kind's model, and a stored row that does not fit fails
loudly instead of showing a silent null (issue 11)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from domain.kinds import registry
from domain.kinds.base import StoredDetailsError
from domain.vocabulary import ActivityType
from models import ActivityEntry
from service.services import Services
from tests.api import action_factories as make
from tests.api.ingestion_support import FAMILY, enrollment, record
from tests.factories import add_entries
from tests.support import Api, World

DROP_WINDOW = """
{ onlineActivity { ... on ActivityConnection {
    nodes { ... on DropActivity { id summary dropDate } }
} } }
"""


async def test_recorded_details_carry_their_version(
    api: Api, world: World, services: Services
) -> None:
    # given a drop request recorded through the portal
    event = {"drop": {"enrollment": enrollment(), "dropDate": "2031-06-01", "reason": "Moving"}}
    await record(api, world.riverside, "drop-1", event)
    # then its stored details are the drop's model, version 1
    async with services.database.read() as session:
        details = await session.scalar(
            select(ActivityEntry.details).where(ActivityEntry.organisation_id == world.riverside.id)
        )
    assert details is not None
    assert details["v"] == 1
    assert details["drop_date"] == "2031-06-01" and details["reason"] == "Moving"
    assert details["family_name"] == FAMILY["name"]


def test_a_fact_the_kind_does_not_know_is_refused_where_it_is_written() -> None:
    drop = registry.kind("DROP")
    with pytest.raises(ValueError, match="drop_dat"):
        drop.dump({"drop_dat": "2031-06-01"})
    with pytest.raises(ValueError):
        drop.dump({"drop_date": "not a date"})


async def test_a_stored_row_that_does_not_fit_its_kind_fails_loudly(
    api: Api, world: World, services: Services
) -> None:
    # given a drop entry whose stored drop date is not a date
    await add_entries(
        services.database,
        world.riverside.id,
        {"type": "DROP", "status": "PENDING", "details": {"drop_date": "soon"}},
    )
    # when staff read the window
    body = await api.post(DROP_WINDOW, token=world.riverside.full)
    # then the read fails with an error, never a null drop date, and shows no stored value
    assert body.get("errors"), body
    assert "soon" not in json.dumps(body)
    with pytest.raises(StoredDetailsError):
        registry.kind("DROP").read({"drop_date": "soon"})


async def test_rows_written_before_versioning_read_as_version_1(
    api: Api, world: World, services: Services
) -> None:
    # given a drop entry stored without a version
    entry_id = await make.entry(
        services.database,
        world.riverside.id,
        ActivityType.DROP,
        details={"drop_date": "2031-06-01", "student_name": "Ann Lee"},
    )
    # then the window reads it
    data = await api.data(DROP_WINDOW, token=world.riverside.full)
    [node] = data["onlineActivity"]["nodes"]
    assert node["id"] == make.gid("DROP", entry_id)
    assert node["dropDate"] == "2031-06-01"
    assert node["summary"] == "Drop request: Ann Lee from a class on 2031-06-01"
