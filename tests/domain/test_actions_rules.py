"""The plain rules behind the staff actions, without a server."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.actions.dismiss import dismiss_refusal
from domain.actions.selection import MAX_IDS, EntryRef, Selection
from domain.email import SkipReason, check_template, render, skip_reason
from domain.errors import InvalidRequest
from domain.families import suspension_note
from domain.window import WindowFilter
from models import ActivityEntry, Family


def entry(type_: str, status: str, reviewed: bool = False) -> ActivityEntry:
    return ActivityEntry(
        type=type_, status=status, reviewed_at=datetime.now(UTC) if reviewed else None
    )


@pytest.mark.parametrize(
    ("type_", "status", "reviewed", "code"),
    [
        ("PAYMENT", "NOTIFICATION", False, None),
        ("TRANSFER", "APPROVED", False, None),
        ("DROP", "PENDING", False, "MUST_APPROVE_OR_DENY"),
        ("ONLINE_ORDER", "NOTIFICATION", False, "REVIEW_REQUIRED"),
        ("ONLINE_ORDER", "NOTIFICATION", True, None),
    ],
)
def test_what_may_be_dismissed(type_: str, status: str, reviewed: bool, code: str | None) -> None:
    refusal = dismiss_refusal(entry(type_, status, reviewed))
    assert (refusal.code if refusal else None) == code


def test_email_variables_render_with_or_without_spaces() -> None:
    values = {
        "family_name": "Lee",
        "student_names": "Ann Lee",
        "location": "North",
        "organisation_name": "Riverside",
    }
    text = "Hi {{family_name}}, {{ student_names }} at {{location}}"
    check_template("Subject {{family_name}}", text)
    assert render(text, values) == "Hi Lee, Ann Lee at North"


@pytest.mark.parametrize(
    ("subject", "body", "code", "field"),
    [
        ("Hi", "{{first_name}}", "UNKNOWN_VARIABLE", "body"),
        ("{{ nope }}", "ok", "UNKNOWN_VARIABLE", "subject"),
        ("", "ok", "REQUIRED", "subject"),
        ("Hi", "  ", "REQUIRED", "body"),
    ],
)
def test_bad_templates_are_refused(subject: str, body: str, code: str, field: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        check_template(subject, body)
    assert [(p.code, p.field) for p in refused.value.problems] == [(code, ("input", field))]


@pytest.mark.parametrize(
    ("suspended", "opt_in", "email", "reason"),
    [
        (True, True, "a@b.test", SkipReason.SUSPENDED),
        (False, False, "a@b.test", SkipReason.OPTED_OUT),
        (False, True, None, SkipReason.NO_EMAIL),
        (False, True, "a@b.test", None),
    ],
)
def test_who_is_skipped(suspended: bool, opt_in: bool, email: str | None, reason: object) -> None:
    family = Family(name="Lee", suspended=suspended, email_opt_in=opt_in, email=email)
    assert skip_reason(family) == reason


def test_a_suspension_from_a_deletion_request_says_so_with_the_date() -> None:
    on = date(2026, 3, 4)
    assert suspension_note(on=on, deletion_request=True, note=None) == (
        "2026-03-04: Suspended due to an account deletion request."
    )
    assert suspension_note(on=on, deletion_request=False, note="Unpaid") == (
        "2026-03-04: Suspended. Unpaid"
    )


def test_a_selection_is_ids_or_a_filter_and_capped() -> None:
    ref = EntryRef("x", 1, None)
    with pytest.raises(InvalidRequest):
        Selection(refs=(ref,), window_filter=WindowFilter()).validate()
    with pytest.raises(InvalidRequest):
        Selection().validate()
    with pytest.raises(InvalidRequest) as refused:
        Selection(refs=(ref,) * (MAX_IDS + 1)).validate()
    assert refused.value.problems[0].code == "TOO_MANY_IDS"
    with pytest.raises(InvalidRequest) as unseen:
        Selection(window_filter=WindowFilter()).validate()
    assert [p.code for p in unseen.value.problems] == ["WATERMARK_REQUIRED"]
    Selection(window_filter=WindowFilter(), watermark=3).validate()
