"""An enrollment whose type the portal has not said still takes its seat."""

from __future__ import annotations

import pytest

from service.settings import Settings
from tests.api.ingestion_support import ANN, BEN, enrollment, record, swim_class
from tests.support import Api, World

APPROVE_MANY = """
mutation($input: ApproveActivitiesInput!) {
  approveActivities(input: $input) { results { outcome code } userErrors { code } }
}
"""
APPROVE_ONE = """
mutation($input: ApproveActivityInput!) {
  approveActivity(input: $input) { result { outcome code } userErrors { code } }
}
"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.replace(require_edit_lock=False)


async def test_a_seat_taken_by_an_enrollment_of_unknown_type_is_not_given_again(
    api: Api, world: World
) -> None:
    # given two requests of unknown type for the one seat of a class
    one_seat = swim_class("cls-one-seat", name="One seat") | {"capacity": 1}
    ids = []
    for key, student in (("ann", ANN), ("ben", BEN)):
        event = {"enrollment": {"enrollment": enrollment(f"enr-{key}", one_seat, student)}}
        payload = await record(api, world.riverside, key, event)
        ids.append(payload["entries"][0]["id"])
    # when both are mass approved, the older takes the seat
    many = await api.data(APPROVE_MANY, {"input": {"ids": ids}}, token=world.riverside.full)
    outcomes = [(r["outcome"], r["code"]) for r in many["approveActivities"]["results"]]
    assert outcomes == [("APPROVED", None), ("FAILED", "CLASS_FULL")]
    # then approving the other on its own, without overbook, is still refused: the
    # seat is taken although the portal never said the first enrollment's type
    one = await api.data(APPROVE_ONE, {"input": {"id": ids[1]}}, token=world.riverside.full)
    assert one["approveActivity"]["result"] == {"outcome": "FAILED", "code": "CLASS_FULL"}
