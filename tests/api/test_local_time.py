"""Every date rule in the organisation's time zone, through HTTP.

A US school's evening is already tomorrow in UTC; a New Zealand school's
morning is still yesterday. The day a family asked, the notice period, when a
drop or a transfer takes effect and which drop dates are "future" are the
school's calendar dates; the server's clock is set to stand at the edges.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from models import Enrollment, Family
from service.services import Services
from service.settings import Settings
from tests.api.ingestion_support import enrollment, record, swim_class
from tests.api.settings_support import set_settings
from tests.support import Api, Tenant, World

DROP_FIELDS = """
query($id: ID!) {
  node(id: $id) {
    ... on DropActivity { requestedOn meetsNoticePeriod missedCriteria { criterion } }
  }
}
"""
APPROVE_ONE = """
mutation($input: ApproveActivityInput!) {
  approveActivity(input: $input) { result { outcome code } userErrors { code field } }
}
"""
ME = "{ me { organisation { timeZone today } } }"

CHICAGO = "America/Chicago"
AUCKLAND = "Pacific/Auckland"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.replace(require_edit_lock=False)


def local(zone: str, text: str, fold: int = 0) -> datetime:
    """A wall-clock time at the school (``fold=1``: the second of a repeated hour)."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone), fold=fold)


def stand_at(services: Services, instant: datetime) -> None:
    """Stop the server's clock at ``instant`` (an aware UTC instant, as the real one)."""
    utc = instant.astimezone(UTC)
    services.clock = lambda: utc


async def ask_for_drop(
    api: Api, tenant: Tenant, key: str, at: datetime, drop_date: date, **extra: Any
) -> str:
    """The family asks, at ``at``, to drop on ``drop_date``; returns the entry id."""
    payload = await record(
        api,
        tenant,
        key,
        {
            "drop": {
                "enrollment": enrollment(**extra),
                "dropDate": drop_date.isoformat(),
                "reason": "Moving away",
            }
        },
        occurredAt=at.isoformat(),
    )
    assert payload["userErrors"] == []
    entry_id: str = payload["entries"][0]["id"]
    return entry_id


async def drop_fields(api: Api, tenant: Tenant, entry_id: str) -> dict[str, Any]:
    data = await api.data(DROP_FIELDS, {"id": entry_id}, tenant.full)
    node: dict[str, Any] = data["node"]
    return node


async def the_enrollment(services: Services, external_id: str = "enr-ann-swim") -> Enrollment:
    async with services.database.read() as session:
        found = await session.scalar(
            select(Enrollment).where(Enrollment.external_id == external_id)
        )
    assert found is not None
    return found


async def test_an_evening_request_counts_its_notice_from_the_schools_day(
    api: Api, world: World, services: Services
) -> None:
    # given a Chicago school requiring 30 days' notice, at 20:00 on January 15 there
    # (02:00 on January 16 in UTC)
    await set_settings(api, world.riverside, timeZone=CHICAGO, dropNoticeDays=30)
    asked = local(CHICAGO, "2026-01-15T20:00")
    stand_at(services, asked)

    # when a family asks to drop exactly 30 local days later
    entry_id = await ask_for_drop(api, world.riverside, "evt-1", asked, date(2026, 2, 14))

    # then the entry counts from the school's January 15 and meets the notice period
    assert await drop_fields(api, world.riverside, entry_id) == {
        "requestedOn": "2026-01-15",
        "meetsNoticePeriod": True,
        "missedCriteria": [],
    }
    # and staff approve it without accepting anything
    data = await api.data(APPROVE_ONE, {"input": {"id": entry_id}}, world.riverside.full)
    assert data["approveActivity"]["result"] == {"outcome": "APPROVED", "code": None}
    dropped = await the_enrollment(services)
    assert (dropped.drop_date, dropped.status) == (date(2026, 2, 14), "ACTIVE")


@pytest.mark.parametrize(
    ("zone", "wall_clock", "school_day"),
    [
        # 23:30 in Chicago is already tomorrow in UTC
        pytest.param(CHICAGO, "2026-01-15T23:30", date(2026, 1, 15), id="chicago-23:30"),
        pytest.param(CHICAGO, "2026-01-16T00:30", date(2026, 1, 16), id="chicago-00:30"),
        # 23:30 in Auckland is the same UTC day; 00:30 there is still yesterday in UTC
        pytest.param(AUCKLAND, "2026-01-15T23:30", date(2026, 1, 15), id="auckland-23:30"),
        pytest.param(AUCKLAND, "2026-01-16T00:30", date(2026, 1, 16), id="auckland-00:30"),
    ],
)
async def test_the_request_day_is_the_schools_on_both_sides_of_utc_midnight(
    api: Api, world: World, services: Services, zone: str, wall_clock: str, school_day: date
) -> None:
    # given a school in this time zone requiring 30 days' notice, at this time there
    await set_settings(api, world.riverside, timeZone=zone, dropNoticeDays=30)
    asked = local(zone, wall_clock)
    stand_at(services, asked)

    # when families ask to drop 30 and 29 school days later
    enough = await ask_for_drop(
        api, world.riverside, "evt-1", asked, school_day + timedelta(days=30)
    )
    short = await ask_for_drop(
        api,
        world.riverside,
        "evt-2",
        asked,
        school_day + timedelta(days=29),
        external_id="enr-ann-dive",
        offering=swim_class("cls-dive", name="Dive"),
    )

    # then both count from the school's day: 30 days meet the notice, 29 do not
    assert await drop_fields(api, world.riverside, enough) == {
        "requestedOn": school_day.isoformat(),
        "meetsNoticePeriod": True,
        "missedCriteria": [],
    }
    assert await drop_fields(api, world.riverside, short) == {
        "requestedOn": school_day.isoformat(),
        "meetsNoticePeriod": False,
        "missedCriteria": [{"criterion": "NOTICE_PERIOD"}],
    }
    # and approval agrees with what the entry shows
    data = await api.data(APPROVE_ONE, {"input": {"id": short}}, world.riverside.full)
    assert data["approveActivity"]["result"] == {
        "outcome": "FAILED",
        "code": "NOTICE_PERIOD_NOT_MET",
    }
    # and "today" for the organisation is the school's date
    me = await api.data(ME, token=world.riverside.full)
    assert me["me"]["organisation"] == {"timeZone": zone, "today": school_day.isoformat()}


@pytest.mark.parametrize(
    ("zone", "wall_clock", "drop_in_days", "status"),
    [
        # at 23:30 in Chicago (UTC: tomorrow) a drop dated tomorrow has not happened yet
        pytest.param(CHICAGO, "2026-01-15T23:30", 1, "ACTIVE", id="chicago-tomorrow"),
        pytest.param(CHICAGO, "2026-01-15T23:30", 0, "DROPPED", id="chicago-today"),
        # at 00:30 in Auckland (UTC: yesterday) a drop dated today has happened
        pytest.param(AUCKLAND, "2026-01-16T00:30", 0, "DROPPED", id="auckland-today"),
        pytest.param(AUCKLAND, "2026-01-16T00:30", 1, "ACTIVE", id="auckland-tomorrow"),
    ],
)
async def test_an_approved_drop_takes_effect_on_the_schools_date(
    api: Api,
    world: World,
    services: Services,
    zone: str,
    wall_clock: str,
    drop_in_days: int,
    status: str,
) -> None:
    # given a school without a notice period, at this time there
    await set_settings(api, world.riverside, timeZone=zone, dropNoticeDays=0)
    now = local(zone, wall_clock)
    stand_at(services, now)
    drop_date = now.date() + timedelta(days=drop_in_days)
    entry_id = await ask_for_drop(api, world.riverside, "evt-1", now, drop_date)

    # when staff approve the drop
    data = await api.data(APPROVE_ONE, {"input": {"id": entry_id}}, world.riverside.full)

    # then the enrollment drops only once the drop date has come at the school
    assert data["approveActivity"]["result"]["outcome"] == "APPROVED"
    dropped = await the_enrollment(services)
    assert (dropped.drop_date, dropped.status) == (drop_date, status)


async def transfer_request(
    api: Api,
    tenant: Tenant,
    at: datetime,
    transfer_date: date,
    original_drop: date | None = None,
) -> str:
    extra: dict[str, Any] = {} if original_drop is None else {"dropDate": original_drop.isoformat()}
    payload = await record(
        api,
        tenant,
        "evt-transfer",
        {
            "transfer": {
                "fromEnrollment": enrollment(**extra),
                "toClass": swim_class("cls-dive", name="Dive 2"),
                "transferDate": transfer_date.isoformat(),
            }
        },
        occurredAt=at.isoformat(),
    )
    assert payload["userErrors"] == []
    entry_id: str = payload["entries"][0]["id"]
    return entry_id


async def new_enrollment(services: Services, original: Enrollment) -> Enrollment:
    async with services.database.read() as session:
        found = await session.scalar(
            select(Enrollment).where(Enrollment.transferred_from_id == original.id)
        )
    assert found is not None
    return found


async def test_a_transfer_takes_effect_on_the_schools_date(
    api: Api, world: World, services: Services
) -> None:
    # given an Auckland school at 00:30 on January 16 (still January 15 in UTC), and a
    # transfer on January 17
    await set_settings(api, world.riverside, timeZone=AUCKLAND)
    now = local(AUCKLAND, "2026-01-16T00:30")
    stand_at(services, now)
    entry_id = await transfer_request(api, world.riverside, now, date(2026, 1, 17))

    # when staff approve it as suggested
    data = await api.data(APPROVE_ONE, {"input": {"id": entry_id}}, world.riverside.full)

    # then the previous class drops the day before the transfer, which is the school's
    # today: the original is transferred already
    assert data["approveActivity"]["result"] == {"outcome": "APPROVED", "code": None}
    original = await the_enrollment(services)
    assert (original.drop_date, original.status) == (date(2026, 1, 16), "TRANSFERRED")


async def test_a_future_drop_date_is_future_on_the_schools_calendar(
    api: Api, world: World, services: Services
) -> None:
    # given a Chicago school at 23:30 on January 15 (January 16 in UTC), and an
    # enrollment dropping on January 16 transferred that day
    await set_settings(api, world.riverside, timeZone=CHICAGO)
    now = local(CHICAGO, "2026-01-15T23:30")
    stand_at(services, now)
    entry_id = await transfer_request(
        api, world.riverside, now, date(2026, 1, 16), original_drop=date(2026, 1, 16)
    )

    # when staff approve the transfer
    data = await api.data(APPROVE_ONE, {"input": {"id": entry_id}}, world.riverside.full)

    # then the drop date (tomorrow at the school, today in UTC) is a "future drop date"
    # and is carried over to the new enrollment
    assert data["approveActivity"]["result"] == {"outcome": "APPROVED", "code": None}
    original = await the_enrollment(services)
    new = await new_enrollment(services, original)
    assert (new.start_date, new.drop_date) == (date(2026, 1, 16), date(2026, 1, 16))
    # and the previous class, dropping the day before, is transferred (today at the school)
    assert (original.drop_date, original.status) == (date(2026, 1, 15), "TRANSFERRED")


# Daylight saving time starts in Chicago on Sunday 2026-03-08 at 02:00 (UTC-6 to UTC-5)
# and ends on Sunday 2026-11-01 at 02:00 (01:00-02:00 happens twice).
DST_WEEK = [date(2026, 3, 5) + timedelta(days=n) for n in range(7)]
DST_MOMENTS = [
    *((f"{day.isoformat()}T23:30", 0) for day in DST_WEEK),
    *((f"{day.isoformat()}T00:30", 0) for day in DST_WEEK),
    ("2026-03-08T03:30", 0),
    ("2026-10-31T23:30", 0),
    ("2026-11-01T01:30", 0),
    ("2026-11-01T01:30", 1),
    ("2026-11-01T23:30", 0),
]


async def test_a_dst_change_week_keeps_the_schools_dates(
    api: Api, world: World, services: Services
) -> None:
    # given a Chicago school requiring 30 days' notice
    await set_settings(api, world.riverside, timeZone=CHICAGO, dropNoticeDays=30)
    for index, (wall_clock, fold) in enumerate(DST_MOMENTS):
        # when a family asks at this time of the DST change weeks (first and second
        # fold of the repeated hour alike) to drop 30 school days later, and another 29
        asked = local(CHICAGO, wall_clock, fold)
        stand_at(services, asked)
        school_day = asked.date()
        ids = [
            await ask_for_drop(
                api,
                world.riverside,
                f"evt-{index}-{days}",
                asked,
                school_day + timedelta(days=days),
                external_id=f"enr-{index}-{days}",
                offering=swim_class(f"cls-{index}-{days}", name="Swim"),
            )
            for days in (30, 29)
        ]

        # then each counts from the school's date of that moment
        fields = [await drop_fields(api, world.riverside, i) for i in ids]
        assert [(f["requestedOn"], f["meetsNoticePeriod"]) for f in fields] == [
            (school_day.isoformat(), True),
            (school_day.isoformat(), False),
        ], wall_clock


SUSPEND = """
mutation($input: SuspendFamilyInput!) {
  suspendFamily(input: $input) { family { suspended } userErrors { code } }
}
"""


async def test_a_suspension_note_carries_the_schools_date(
    api: Api, world: World, services: Services
) -> None:
    # given a family's deletion request, and a Chicago school at 23:30 on January 15
    await set_settings(api, world.riverside, timeZone=CHICAGO)
    now = local(CHICAGO, "2026-01-15T23:30")
    stand_at(services, now)
    payload = await record(api, world.riverside, "evt-1", {"deletionRequest": {}})
    entry_id = payload["entries"][0]["id"]

    # when staff suspend the family from the request
    data = await api.data(SUSPEND, {"input": {"entryId": entry_id}}, world.riverside.full)

    # then the note is dated the school's day, not UTC's (already January 16)
    assert data["suspendFamily"] == {"family": {"suspended": True}, "userErrors": []}
    async with services.database.read() as session:
        notes = await session.scalar(select(Family.notes).where(Family.external_id == "fam-lee"))
    assert notes == "2026-01-15: Suspended due to an account deletion request."
