"""Emailing families from the window, delivered to a real SMTP server."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from domain.vocabulary import ActivityType
from models import AuditRecord
from service.app import create_app
from service.services import Services
from service.settings import Settings
from tests.api import action_factories as make
from tests.support import Api, World

EMAIL = """
mutation($input: EmailFamiliesInput!) {
  emailFamilies(input: $input) {
    familiesSelected sent skipped
    skippedFamilies { family { name } reason }
    userErrors { code field }
  }
}
"""
BODY = (
    "Hello {{family_name}}, {{ student_names }} at {{location}} is welcome. {{organisation_name}}"
)


class Inbox:
    """An aiosmtpd handler keeping what arrived."""

    def __init__(self) -> None:
        self.envelopes: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        content = envelope.content  # type: ignore[attr-defined]
        self.envelopes.append((list(envelope.rcpt_tos), message_from_bytes(content)))  # type: ignore[attr-defined]
        return "250 Message accepted for delivery"

    def by_recipient(self) -> dict[str, Message]:
        return {rcpt[0]: message for rcpt, message in self.envelopes}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def settings(settings: Settings, smtp: tuple[Inbox, int]) -> Settings:
    return settings.replace(smtp_host="127.0.0.1", smtp_port=smtp[1], require_edit_lock=False)


@pytest.fixture
def inbox(smtp: tuple[Inbox, int]) -> Inbox:
    return smtp[0]


async def test_one_email_per_family_with_variables_honouring_opt_outs(
    api: Api, world: World, services: Services, inbox: Inbox
) -> None:
    # given entries of five families: the Lees twice (two students), the Parks,
    # and families who opted out, have no email, or are suspended
    db, org = services.database, world.riverside.id
    north, south = world.riverside.locations["north"], world.riverside.locations["south"]
    lee = await make.family(db, org, "Lee", email="lee@example.test", students=("Ann", "Ben"))
    park = await make.family(db, org, "Park", email="park@example.test")
    opted_out = await make.family(db, org, "Opt", opt_in=False)
    no_email = await make.family(db, org, "Nomail", email=None)
    suspended = await make.family(db, org, "Gone", suspended=True)
    ids = [
        await make.entry(
            db,
            org,
            ActivityType.PAYMENT,
            location_id=north,
            family_id=lee.id,
            student_id=lee.student_ids[0],
        ),
        await make.entry(
            db,
            org,
            ActivityType.ABSENCE,
            location_id=north,
            family_id=lee.id,
            student_id=lee.student_ids[1],
        ),
        await make.entry(db, org, ActivityType.NEW_STUDENT, location_id=south, family_id=park.id),
        await make.entry(db, org, ActivityType.PAYMENT, family_id=opted_out.id),
        await make.entry(db, org, ActivityType.PAYMENT, family_id=no_email.id),
        await make.entry(db, org, ActivityType.PAYMENT, family_id=suspended.id),
    ]
    # when staff email all of them
    data = await api.data(
        EMAIL,
        {
            "input": {
                "all": {},
                "watermark": await api.window_sequence(world.riverside.full),
                "subject": "News for {{family_name}}",
                "body": BODY,
            }
        },
        world.riverside.full,
    )
    # then two families got one email each, three were skipped with the reason
    payload = data["emailFamilies"]
    assert (payload["familiesSelected"], payload["sent"], payload["skipped"]) == (5, 2, 3)
    assert sorted((s["family"]["name"], s["reason"]) for s in payload["skippedFamilies"]) == [
        ("Gone", "SUSPENDED"),
        ("Nomail", "NO_EMAIL"),
        ("Opt", "OPTED_OUT"),
    ]
    arrived = inbox.by_recipient()
    assert sorted(arrived) == ["lee@example.test", "park@example.test"]
    lee_mail = arrived["lee@example.test"]
    assert lee_mail["Subject"] == "News for Lee"
    assert lee_mail["From"] == services.settings.mail_from
    assert lee_mail.get_payload(decode=True).decode().strip() == (  # type: ignore[union-attr]
        "Hello Lee, Ann Lee and Ben Lee at North Pool is welcome. Riverside"
    )
    park_body = arrived["park@example.test"].get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "Hello Park, Ann Park at South Gym" in park_body
    assert await make.count(db, AuditRecord, AuditRecord.action == "EMAILED") == 2
    assert len(ids) == 6


async def test_an_unknown_variable_refuses_the_email(
    api: Api, world: World, services: Services, inbox: Inbox
) -> None:
    fam = await make.family(services.database, world.riverside.id)
    entry_id = await make.entry(
        services.database, world.riverside.id, ActivityType.PAYMENT, family_id=fam.id
    )
    data = await api.data(
        EMAIL,
        {
            "input": {
                "ids": [make.gid("PAYMENT", entry_id)],
                "subject": "Hi",
                "body": "Dear {{first_name}}",
            }
        },
        world.riverside.full,
    )
    assert data["emailFamilies"]["userErrors"] == [
        {"code": "UNKNOWN_VARIABLE", "field": ["input", "body"]}
    ]
    assert inbox.envelopes == []


async def test_view_only_staff_email_nobody_and_foreign_ids_are_not_found(
    api: Api, world: World, services: Services, inbox: Inbox
) -> None:
    fam = await make.family(services.database, world.riverside.id)
    ours = await make.entry(
        services.database, world.riverside.id, ActivityType.PAYMENT, family_id=fam.id
    )
    theirs = await make.entry(services.database, world.harbour.id, ActivityType.PAYMENT)
    ids = [make.gid("PAYMENT", ours)]
    variables: dict[str, Any] = {"input": {"ids": ids, "subject": "Hi", "body": "Hi"}}
    view_only = await api.data(EMAIL, variables, world.riverside.view_only)
    assert view_only["emailFamilies"]["userErrors"][0]["code"] == "ACCESS_DENIED"
    ids.append(make.gid("PAYMENT", theirs))
    foreign = await api.data(EMAIL, variables, world.riverside.full)
    assert foreign["emailFamilies"]["userErrors"] == [
        {"code": "NOT_FOUND", "field": ["input", "ids", "1"]}
    ]
    assert inbox.envelopes == []


@pytest.fixture
async def outbox_api(settings: Settings, tmp_path: Path) -> AsyncIterator[tuple[Api, Path]]:
    """The embedded default: no SMTP host, messages land in a local outbox."""
    outbox = tmp_path / "staff-outbox"
    services = Services.from_settings(settings.replace(smtp_host=None, outbox_dir=outbox))
    await services.start()
    transport = httpx.ASGITransport(app=create_app(services=services))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield Api(http), outbox
    finally:
        await services.stop()


async def test_without_smtp_the_email_lands_in_the_local_outbox(
    outbox_api: tuple[Api, Path], world: World, services: Services, inbox: Inbox
) -> None:
    api, outbox = outbox_api
    fam = await make.family(services.database, world.riverside.id, "Kim", email="kim@example.test")
    entry_id = await make.entry(
        services.database, world.riverside.id, ActivityType.NEW_ACCOUNT, family_id=fam.id
    )
    data = await api.data(
        EMAIL,
        {
            "input": {
                "ids": [make.gid("NEW_ACCOUNT", entry_id)],
                "subject": "Welcome",
                "body": "Welcome, {{family_name}}!",
            }
        },
        world.riverside.full,
    )
    assert data["emailFamilies"]["sent"] == 1
    [saved] = list(outbox.glob("*.eml"))
    message = message_from_bytes(saved.read_bytes())
    assert (message["To"], message["Subject"]) == ("kim@example.test", "Welcome")
    assert message.get_payload(decode=True).decode().strip() == "Welcome, Kim!"  # type: ignore[union-attr]
    assert inbox.envelopes == []


PREVIEW = """
query($input: EmailPreviewInput!) {
  emailPreview(input: $input) {
    __typename
    ... on EmailPreview {
      familiesSelected
      recipients { family { name } to }
      skippedFamilies { family { name } reason }
      sample { family { name } to subject body }
    }
    ... on InvalidArguments { userErrors { code field } }
  }
}
"""
VARIABLES = "{ emailVariables { name placeholder description example } }"


async def test_a_preview_counts_recipients_and_renders_one_email_sending_nothing(
    api: Api, world: World, services: Services, inbox: Inbox
) -> None:
    # given entries of four families: one who will receive the email, and one
    # each who opted out, has no address, or is suspended
    db, org = services.database, world.riverside.id
    north = world.riverside.locations["north"]
    lee = await make.family(db, org, "Lee", email="lee@example.test", students=("Ann", "Ben"))
    opted_out = await make.family(db, org, "Opt", opt_in=False)
    no_email = await make.family(db, org, "Nomail", email=None)
    suspended = await make.family(db, org, "Gone", suspended=True)
    for fam in (lee, opted_out, no_email, suspended):
        await make.entry(
            db,
            org,
            ActivityType.PAYMENT,
            location_id=north,
            family_id=fam.id,
            student_id=fam.student_ids[0],
        )
    email = {
        "all": {},
        "watermark": await api.window_sequence(world.riverside.full),
        "subject": "News for {{family_name}}",
        "body": BODY,
    }

    # when staff preview the email while writing it
    data = await api.data(PREVIEW, {"input": email}, world.riverside.full)

    # then they see the families selected, who receives it, who is skipped and why
    preview = data["emailPreview"]
    assert preview["__typename"] == "EmailPreview"
    assert preview["familiesSelected"] == 4
    assert preview["recipients"] == [{"family": {"name": "Lee"}, "to": "lee@example.test"}]
    assert sorted((s["family"]["name"], s["reason"]) for s in preview["skippedFamilies"]) == [
        ("Gone", "SUSPENDED"),
        ("Nomail", "NO_EMAIL"),
        ("Opt", "OPTED_OUT"),
    ]
    # and the email rendered for one family, variables filled in
    assert preview["sample"] == {
        "family": {"name": "Lee"},
        "to": "lee@example.test",
        "subject": "News for Lee",
        "body": "Hello Lee, Ann Lee at North Pool is welcome. Riverside",
    }
    # and nothing was sent or recorded as sent
    assert inbox.envelopes == []
    assert await make.count(db, AuditRecord, AuditRecord.action == "EMAILED") == 0

    # while sending the same email reaches exactly the previewed recipients
    sent = await api.data(EMAIL, {"input": email}, world.riverside.full)
    assert (sent["emailFamilies"]["familiesSelected"], sent["emailFamilies"]["sent"]) == (4, 1)
    assert sorted(inbox.by_recipient()) == ["lee@example.test"]


async def test_a_preview_is_checked_like_the_email_and_needs_the_same_rights(
    api: Api, world: World, services: Services, inbox: Inbox
) -> None:
    fam = await make.family(services.database, world.riverside.id)
    entry_id = await make.entry(
        services.database, world.riverside.id, ActivityType.PAYMENT, family_id=fam.id
    )
    ids = [make.gid("PAYMENT", entry_id)]
    unknown = {"ids": ids, "subject": "Hi", "body": "Dear {{first_name}}"}
    refused = await api.data(PREVIEW, {"input": unknown}, world.riverside.full)
    assert refused["emailPreview"]["userErrors"] == [
        {"code": "UNKNOWN_VARIABLE", "field": ["input", "body"]}
    ]
    unseen = {"all": {}, "subject": "Hi", "body": "Hi"}
    refused = await api.data(PREVIEW, {"input": unseen}, world.riverside.full)
    assert refused["emailPreview"]["userErrors"] == [
        {"code": "WATERMARK_REQUIRED", "field": ["input", "watermark"]}
    ]
    fine = {"ids": ids, "subject": "Hi", "body": "Hi"}
    view_only = await api.data(PREVIEW, {"input": fine}, world.riverside.view_only)
    assert view_only["emailPreview"]["userErrors"][0]["code"] == "ACCESS_DENIED"
    assert inbox.envelopes == []


async def test_the_email_variables_are_listed_with_a_description_and_an_example(
    api: Api, world: World
) -> None:
    data = await api.data(VARIABLES, token=world.riverside.full)
    variables = {v["name"]: v for v in data["emailVariables"]}
    assert set(variables) == {"family_name", "student_names", "location", "organisation_name"}
    assert variables["family_name"]["placeholder"] == "{{family_name}}"
    assert all(v["description"] and v["example"] for v in variables.values())
