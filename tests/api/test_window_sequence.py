"""The window tells clients where to start following it live."""

from __future__ import annotations

from service.services import Services
from tests.factories import add_entries
from tests.support import Api, World

WINDOW_WITH_SEQUENCE = """
{ onlineActivity { ... on ActivityConnection {
    sequence edges { node { ... on ActivityEntry { sequence } } } } } }
"""


async def test_the_window_reports_the_sequence_to_follow_it_from(
    api: Api, world: World, services: Services
) -> None:
    # Given three entries recorded in one organisation and one in another
    await add_entries(services.database, world.riverside.id, {}, {}, {})
    await add_entries(services.database, world.harbour.id, {})

    # When staff read the window
    data = await api.data(WINDOW_WITH_SEQUENCE, token=world.riverside.full)

    # Then it names the organisation's own last sequence number, which covers
    # every entry shown
    connection = data["onlineActivity"]
    assert connection["sequence"] == 3
    assert [e["node"]["sequence"] for e in connection["edges"]] == [1, 2, 3]
