"""Paging the window both ways, jumping to a page by number, and refusing bad
paging arguments with typed errors.

"If there is more than one page of requests, the number of requests which
display per page as well as the page number can be changed by typing in the
white box".
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import event

from models.base import utcnow
from service.services import Services
from tests.factories import add_entries, add_family
from tests.support import Api, World

PAGE = """
query Page($filter: ActivityFilter, $order: ActivityOrder! = OLDEST_FIRST,
           $first: Int, $after: String, $last: Int, $before: String, $jump: Int! = 1) {
  onlineActivity(filter: $filter, order: $order, first: $first, after: $after,
                 last: $last, before: $before) {
    __typename
    ... on ActivityConnection {
      totalCount pageCount pageNumber
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { ... on ActivityEntry { id sequence } } }
      pageCursor(page: $jump) { cursor page isCurrent }
      pageCursors {
        first { cursor page isCurrent }
        around { cursor page isCurrent }
        last { cursor page isCurrent }
        previous { cursor page isCurrent }
      }
    }
    ... on InvalidArguments { userErrors { code field message } }
  }
}
"""

ROWS = """
query Rows($first: Int) {
  onlineActivity(first: $first) {
    ... on ActivityConnection {
      nodes {
        ... on ActivityEntry { id studentLabel location { name } family { name } student { name } }
      }
    }
  }
}
"""


async def page(api: Api, token: str, **variables: Any) -> dict[str, Any]:
    data = await api.data(PAGE, variables, token=token)
    result: dict[str, Any] = data["onlineActivity"]
    assert result["__typename"] == "ActivityConnection", result
    return result


def sequences(result: dict[str, Any]) -> list[int]:
    return [edge["node"]["sequence"] for edge in result["edges"]]


async def add_many(services: Services, world: World, count: int) -> None:
    """``count`` entries a minute apart; their sequence numbers are 1..count."""
    await add_entries(services.database, world.riverside.id, *({"type": "PAYMENT"},) * count)


async def test_forward_through_every_page_without_gaps_or_duplicates(
    api: Api, world: World, services: Services
) -> None:
    # given 25 entries
    await add_many(services, world, 25)
    seen: list[int] = []
    flags: list[tuple[bool, bool, int]] = []
    after = None
    # when staff page forward 10 at a time until the end
    while True:
        result = await page(api, world.riverside.full, first=10, after=after)
        seen += sequences(result)
        info = result["pageInfo"]
        flags.append((info["hasPreviousPage"], info["hasNextPage"], result["pageNumber"]))
        assert result["totalCount"] == 25
        assert result["pageCount"] == 3
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    # then every entry shows once, in order, and the ends are marked
    assert seen == list(range(1, 26))
    assert flags == [(False, True, 1), (True, True, 2), (True, False, 3)]


async def test_backward_with_last_and_before(api: Api, world: World, services: Services) -> None:
    await add_many(services, world, 25)
    # `last` without `before` gives the final entries
    final = await page(api, world.riverside.full, last=10)
    assert sequences(final) == list(range(16, 26))
    assert final["pageInfo"]["hasNextPage"] is False
    assert final["pageInfo"]["hasPreviousPage"] is True
    assert final["pageNumber"] == 3
    seen = sequences(final)
    before = final["pageInfo"]["startCursor"]
    pages = [final]
    while pages[-1]["pageInfo"]["hasPreviousPage"]:
        pages.append(await page(api, world.riverside.full, last=10, before=before))
        seen = sequences(pages[-1]) + seen
        before = pages[-1]["pageInfo"]["startCursor"]
    assert seen == list(range(1, 26))
    assert [len(p["edges"]) for p in pages] == [10, 10, 5]
    assert [p["pageNumber"] for p in pages] == [3, 2, 1]
    assert pages[-1]["pageInfo"] == {**pages[-1]["pageInfo"], "hasPreviousPage": False,
                                      "hasNextPage": True}  # fmt: skip


async def test_newest_first_pages_both_ways(api: Api, world: World, services: Services) -> None:
    await add_many(services, world, 15)
    first = await page(api, world.riverside.full, order="NEWEST_FIRST", first=10)
    rest = await page(
        api, world.riverside.full, order="NEWEST_FIRST", first=10,
        after=first["pageInfo"]["endCursor"],
    )  # fmt: skip
    back = await page(
        api, world.riverside.full, order="NEWEST_FIRST", last=10,
        before=rest["pageInfo"]["startCursor"],
    )  # fmt: skip
    assert sequences(first) == list(range(15, 5, -1))
    assert sequences(rest) == list(range(5, 0, -1))
    assert rest["pageInfo"]["hasNextPage"] is False
    assert sequences(back) == sequences(first)


async def test_jump_to_a_page_by_number(api: Api, world: World, services: Services) -> None:
    # given 95 entries: 10 pages of 10, the last one of 5
    await add_many(services, world, 95)
    first = await page(api, world.riverside.full, first=10, jump=7)
    # when staff type page 7
    jump = first["pageCursor"]
    assert jump["page"] == 7 and jump["isCurrent"] is False
    seventh = await page(api, world.riverside.full, first=10, after=jump["cursor"])
    # then they land on page 7 with its entries
    assert sequences(seventh) == list(range(61, 71))
    assert seventh["pageNumber"] == 7
    assert seventh["pageInfo"]["hasPreviousPage"] is True
    assert seventh["pageInfo"]["hasNextPage"] is True
    cursors = seventh["pageCursors"]
    assert [c["page"] for c in cursors["around"]] == [5, 6, 7, 8, 9]
    assert [c["page"] for c in cursors["around"] if c["isCurrent"]] == [7]
    assert cursors["first"]["page"] == 1 and cursors["last"]["page"] == 10
    assert cursors["previous"]["page"] == 6
    # and every cursor the page offers lands where it says
    for target in (cursors["first"], cursors["last"], cursors["previous"], cursors["around"][4]):
        landed = await page(api, world.riverside.full, first=10, after=target["cursor"])
        start = (target["page"] - 1) * 10 + 1
        assert sequences(landed) == list(range(start, min(start + 10, 96))), target
        assert landed["pageNumber"] == target["page"]
    last = await page(api, world.riverside.full, first=10, after=cursors["last"]["cursor"])
    assert last["pageInfo"]["hasNextPage"] is False
    # a page past the end has no cursor
    assert (await page(api, world.riverside.full, first=10, jump=11))["pageCursor"] is None


async def test_first_page_cursors_and_page_jumps_backward(
    api: Api, world: World, services: Services
) -> None:
    await add_many(services, world, 30)
    first = await page(api, world.riverside.full, first=10)
    cursors = first["pageCursors"]
    assert [(c["page"], c["isCurrent"]) for c in cursors["around"]] == [
        (1, True), (2, False), (3, False)
    ]  # fmt: skip
    assert cursors["first"] is None and cursors["last"] is None and cursors["previous"] is None
    # a page cursor also works as `before`: the page just before page 3
    back = await page(api, world.riverside.full, last=10, before=cursors["around"][2]["cursor"])
    assert sequences(back) == list(range(11, 21))
    assert back["pageNumber"] == 2


async def test_page_jump_keeps_the_filter_and_order(
    api: Api, world: World, services: Services
) -> None:
    # given 24 entries alternating DROP (pending) and PAYMENT
    await add_entries(
        services.database,
        world.riverside.id,
        *({"type": "DROP" if i % 2 == 0 else "PAYMENT"} for i in range(24)),
    )
    drops = {"types": ["DROP"]}
    first = await page(
        api, world.riverside.full, filter=drops, order="NEWEST_FIRST", first=5, jump=3
    )
    assert (first["totalCount"], first["pageCount"]) == (12, 3)
    third = await page(
        api, world.riverside.full, filter=drops, order="NEWEST_FIRST", first=5,
        after=first["pageCursor"]["cursor"],
    )  # fmt: skip
    # the drops have odd sequence numbers 1, 3, ... 23; newest first, page 3 holds the last two
    assert sequences(third) == [3, 1]
    assert third["pageNumber"] == 3
    assert third["pageInfo"]["hasNextPage"] is False


async def test_entries_at_the_same_moment_are_ordered_by_id_both_ways(
    api: Api, world: World, services: Services
) -> None:
    # given 7 entries recorded at the very same instant
    moment = utcnow() - timedelta(hours=2)
    await add_entries(
        services.database, world.riverside.id, *({"type": "PAYMENT", "occurred_at": moment},) * 7
    )
    forward: list[int] = []
    after = None
    for _ in range(4):
        result = await page(api, world.riverside.full, first=2, after=after)
        forward += sequences(result)
        after = result["pageInfo"]["endCursor"]
    backward: list[int] = []
    before = None
    for _ in range(4):
        result = await page(api, world.riverside.full, last=2, before=before)
        backward = sequences(result) + backward
        before = result["pageInfo"]["startCursor"]
    newest: list[int] = []
    after = None
    for _ in range(4):
        result = await page(api, world.riverside.full, order="NEWEST_FIRST", first=3, after=after)
        newest += sequences(result)
        after = result["pageInfo"]["endCursor"]
    assert forward == backward == list(range(1, 8))
    assert newest == list(range(7, 0, -1))


async def test_total_count_equals_what_paging_shows(
    api: Api, world: World, services: Services
) -> None:
    now = utcnow()
    await add_entries(
        services.database,
        world.riverside.id,
        *({"type": "PAYMENT", "notes": "n" if i % 3 == 0 else None} for i in range(23)),
        {"type": "DROP", "occurred_at": now - timedelta(days=95)},
    )
    for filter in (None, {"hasNotes": "YES"}, {"hasNotes": "NO"}, {"types": ["DROP"]}):
        seen = 0
        after = None
        while True:
            result = await page(api, world.riverside.full, filter=filter, first=4, after=after)
            seen += len(result["edges"])
            if not result["pageInfo"]["hasNextPage"]:
                break
            after = result["pageInfo"]["endCursor"]
        assert result["totalCount"] == seen, filter
        assert result["pageCount"] == max(1, -(-seen // 4)), filter
    assert seen == 0


async def _invalid(api: Api, token: str, **variables: Any) -> list[dict[str, Any]]:
    data = await api.data(PAGE, variables, token=token)
    result = data["onlineActivity"]
    assert result["__typename"] == "InvalidArguments", result
    return [{"code": e["code"], "field": e["field"]} for e in result["userErrors"]]


async def test_bad_paging_arguments_get_typed_errors(
    api: Api, world: World, services: Services
) -> None:
    await add_many(services, world, 3)
    token = world.riverside.full
    cursor = (await page(api, token, first=1))["pageInfo"]["endCursor"]
    cases: list[tuple[dict[str, Any], list[dict[str, Any]]]] = [
        ({"after": "not a cursor"}, [{"code": "INVALID_CURSOR", "field": ["after"]}]),
        ({"before": "eyJ2IjoyfQ"}, [{"code": "INVALID_CURSOR", "field": ["before"]}]),
        ({"first": 101}, [{"code": "PAGE_SIZE_TOO_LARGE", "field": ["first"]}]),
        ({"last": 500}, [{"code": "PAGE_SIZE_TOO_LARGE", "field": ["last"]}]),
        ({"first": -1}, [{"code": "INVALID_PAGE_SIZE", "field": ["first"]}]),
        ({"first": 5, "last": 5}, [{"code": "CONTRADICTORY_ARGUMENTS", "field": ["last"]}]),
        (
            {"after": cursor, "before": cursor},
            [{"code": "CONTRADICTORY_ARGUMENTS", "field": ["before"]}],
        ),
    ]
    for variables, expected in cases:
        assert await _invalid(api, token, **variables) == expected, variables
    # the cap itself is allowed
    assert len((await page(api, token, first=100))["edges"]) == 3


async def test_a_page_cursor_past_the_end_shows_an_empty_page(
    api: Api, world: World, services: Services
) -> None:
    # given a page-7 cursor taken while there were 95 entries
    await add_many(services, world, 95)
    seventh = (await page(api, world.riverside.full, first=10, jump=7))["pageCursor"]["cursor"]
    filtered = await page(
        api, world.riverside.full, filter={"types": ["DROP"]}, first=10, after=seventh
    )
    # when it is used on a list too short for it, nothing is invented
    assert filtered["edges"] == []
    assert filtered["pageInfo"]["hasNextPage"] is False


async def test_people_on_a_page_are_loaded_in_a_fixed_number_of_queries(
    api: Api, world: World, services: Services
) -> None:
    """Family, student and location come through DataLoaders, one query per
    kind and page, not one per row."""
    north = world.riverside.locations["north"]
    south = world.riverside.locations["south"]
    for index in range(10):
        family_id, student_id = await add_family(
            services.database, world.riverside.id, name=f"Family{index}"
        )
        await add_entries(
            services.database,
            world.riverside.id,
            {
                "type": "DROP",
                "family_id": family_id,
                "student_id": student_id,
                "location_id": north if index % 2 else south,
                "details": {"student_name": f"Ann Family{index}", "enrollment_type": "TRIAL"},
            },
            start=utcnow() - timedelta(hours=20 - index),
        )
    # and the viewer already signed in (a first request caches the token, so
    # both measured requests skip the token lookup alike)
    await api.data(ROWS, {"first": 1}, token=world.riverside.full)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    engine = services.database.read_engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        small = await api.data(ROWS, {"first": 2}, token=world.riverside.full)
        small_count = len(statements)
        statements.clear()
        full = await api.data(ROWS, {"first": 10}, token=world.riverside.full)
        full_count = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    rows = full["onlineActivity"]["nodes"]
    assert [r["family"]["name"] for r in rows] == [f"Family{i}" for i in range(10)]
    assert [r["student"]["name"] for r in rows] == [f"Ann Family{i}" for i in range(10)]
    assert [r["studentLabel"] for r in rows] == [f"Ann Family{i} (TRIAL)" for i in range(10)]
    assert [r["location"]["name"] for r in rows] == ["South Gym", "North Pool"] * 5
    assert len(small["onlineActivity"]["nodes"]) == 2
    assert full_count == small_count


BARE = """
query Bare { onlineActivity(first: 10) { ... on ActivityConnection {
  nodes { ... on ActivityEntry { id } } } } }
"""

WITH_PAGE_RECORDS = """
query WithPageRecords { onlineActivity(first: 10) { ... on ActivityConnection {
  nodes {
    ... on ActivityEntry { id location { name } family { name } }
    ... on DropActivity { noticeDays }
  } } } }
"""


async def test_a_pages_locations_families_and_settings_come_with_the_page(
    api: Api, world: World, services: Services
) -> None:
    """The page's statement brings its locations, families and the
    organisation's row (``domain.window.fetch_page``): selecting them costs no
    statement of its own (locations and families through the loaders primed
    with them; the settings from the row the page's session already holds)."""
    north = world.riverside.locations["north"]
    for index in range(3):
        family_id, student_id = await add_family(
            services.database, world.riverside.id, name=f"Family{index}"
        )
        await add_entries(
            services.database,
            world.riverside.id,
            {
                "type": "DROP",
                "family_id": family_id,
                "student_id": student_id,
                "location_id": north,
                "details": {"student_name": f"Ann Family{index}"},
            },
        )
    await api.data(BARE, token=world.riverside.full)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    engine = services.database.read_engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        await api.data(BARE, token=world.riverside.full)
        bare = len(statements)
        statements.clear()
        full = await api.data(WITH_PAGE_RECORDS, token=world.riverside.full)
        with_records = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    rows = full["onlineActivity"]["nodes"]
    assert [r["family"]["name"] for r in rows] == ["Family0", "Family1", "Family2"]
    assert [r["location"]["name"] for r in rows] == ["North Pool"] * 3
    assert all(isinstance(r["noticeDays"], int) for r in rows)
    assert with_records == bare, statements


async def test_first_with_before_and_last_with_after_stay_inside_the_cursor(
    api: Api, world: World, services: Services
) -> None:
    # given 12 entries and the cursors of the 5th and the 10th
    await add_many(services, world, 12)
    everything = await page(api, world.riverside.full, first=12)
    fifth, tenth = everything["edges"][4]["cursor"], everything["edges"][9]["cursor"]
    # the first 3 of the entries before the 10th are the very first ones
    head = await page(api, world.riverside.full, first=3, before=tenth)
    assert sequences(head) == [1, 2, 3]
    assert (head["pageInfo"]["hasPreviousPage"], head["pageInfo"]["hasNextPage"]) == (False, True)
    # the last 3 of the entries after the 5th are the very last ones
    tail = await page(api, world.riverside.full, last=3, after=fifth)
    assert sequences(tail) == [10, 11, 12]
    assert (tail["pageInfo"]["hasPreviousPage"], tail["pageInfo"]["hasNextPage"]) == (True, False)


async def test_the_first_page_follows_the_clock_past_the_90_days(
    api: Api, world: World, services: Services
) -> None:
    # "Online Activity data is accessible for a maximum of 90 days from the
    # Online Activity window": the first page's statement is made once per
    # filter shape (domain.window._unbounded_page); its cutoff moves with
    # the clock, and another tenant's scope gets a statement of its own.
    now = utcnow()
    await add_entries(
        services.database,
        world.riverside.id,
        {"type": "PAYMENT", "occurred_at": now - timedelta(days=89, hours=12)},
        {"type": "PAYMENT", "occurred_at": now - timedelta(days=10)},
    )
    await add_entries(services.database, world.harbour.id, {"type": "PAYMENT"})
    services.clock = lambda: now
    for filter in (None, {"types": ["PAYMENT"]}):
        assert len((await page(api, world.riverside.full, filter=filter, first=5))["edges"]) == 2
    services.clock = lambda: now + timedelta(days=1)
    for filter in (None, {"types": ["PAYMENT"]}):
        assert len((await page(api, world.riverside.full, filter=filter, first=5))["edges"]) == 1
    harbour = await page(api, world.harbour.full, first=5)
    assert len(harbour["edges"]) == 1
    assert harbour["totalCount"] == 1


async def test_each_edge_cursor_continues_after_its_entry(
    api: Api, world: World, services: Services
) -> None:
    await add_many(services, world, 6)
    first = await page(api, world.riverside.full, first=4)
    edges = first["edges"]
    assert edges[0]["cursor"] == first["pageInfo"]["startCursor"]
    assert edges[-1]["cursor"] == first["pageInfo"]["endCursor"]
    for index, edge in enumerate(edges):
        rest = await page(api, world.riverside.full, first=10, after=edge["cursor"])
        assert sequences(rest) == list(range(index + 2, 7)), index
