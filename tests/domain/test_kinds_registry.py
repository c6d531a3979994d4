"""The registry of activity kinds and the typed name it gives them (issue 11)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.kinds import registry
from domain.kinds.builtin import BUILTIN_KINDS
from domain.vocabulary import (
    ALWAYS_PENDING_TYPES,
    EXCLUDED_FROM_NOTIFICATION_FILTER,
    ActivityType,
    Task,
    WindowStatus,
    task_for,
)
from tests.kinds.loyalty import Loyalty


def test_a_kind_name_is_typed_like_an_enum_member() -> None:
    # a registered name gives its one canonical value, by call or attribute
    assert ActivityType("DROP") is ActivityType.DROP
    assert ActivityType.DROP == "DROP" and ActivityType.DROP.value == "DROP"
    # a name no kind has is refused at once, never stored
    with pytest.raises(ValueError):
        ActivityType("DORP")
    with pytest.raises(AttributeError):
        _ = ActivityType.DORP


def test_every_built_in_kind_is_registered_in_its_line_order() -> None:
    assert [t.value for t in ActivityType] == [name for name, _ in BUILTIN_KINDS]
    assert [k.name for k in registry.kinds()] == [name for name, _ in BUILTIN_KINDS]


def test_the_policies_are_read_from_the_kinds() -> None:
    # "The system automatically excludes the following notification types from
    # these results: Online Orders, Gift Card, Deletion Request, Parties"
    assert set(EXCLUDED_FROM_NOTIFICATION_FILTER) == {
        ActivityType.ONLINE_ORDER,
        ActivityType.GIFT_CARD,
        ActivityType.DELETION_REQUEST,
        ActivityType.PARTY,
    }
    assert set(ALWAYS_PENDING_TYPES) == {ActivityType.DROP}
    assert task_for(ActivityType.TRANSFER) is Task.ENROLLMENTS
    transfer = registry.kind("TRANSFER")
    assert transfer.initial_status(auto_approved=True) is WindowStatus.APPROVED
    assert transfer.initial_status(auto_approved=False) is WindowStatus.PENDING
    assert registry.kind("DROP").initial_status(auto_approved=True) is WindowStatus.PENDING
    assert registry.kind("PAYMENT").initial_status(auto_approved=None) is WindowStatus.NOTIFICATION


def test_a_second_kind_of_the_same_name_is_refused() -> None:
    with pytest.raises(ValueError, match="two kinds"):
        registry.register("DROP", "tests.kinds.loyalty")


def test_instants_are_stored_as_ingestion_writes_them() -> None:
    # details keep an instant with its offset, as datetime.isoformat writes it
    starts = datetime(2031, 5, 2, 16, 0, tzinfo=UTC).isoformat()
    stored = registry.kind("APPOINTMENT").dump({"title": "Lesson", "starts_at": starts})
    assert stored == {"v": 1, "title": "Lesson", "starts_at": "2031-05-02T16:00:00+00:00"}
    read = registry.kind("APPOINTMENT").read(stored)
    assert read.starts_at == datetime(2031, 5, 2, 16, 0, tzinfo=UTC)


def test_a_kind_without_a_label_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # every type is served with its label (activityTypes): none may lack one
    monkeypatch.setattr(Loyalty, "label", "")
    with pytest.raises(ValueError, match="no label"):
        registry._load("LOYALTY", "tests.kinds.loyalty")
