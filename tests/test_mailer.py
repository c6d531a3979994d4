"""The SMTP mailer against a real SMTP server (aiosmtpd): what one batch
delivers when a recipient is refused, the server wants a login, TLS is
required but not offered, or nothing listens."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from domain.email import OutgoingEmail
from service.mailer import SmtpMailer
from service.settings import Settings
from tests.api.test_email import free_port

REFUSED = "refused@example.test"


class Server:
    """An aiosmtpd handler that refuses one address and keeps the rest."""

    def __init__(self) -> None:
        self.delivered: list[tuple[list[str], Message]] = []
        self.logins: list[tuple[bytes, bytes]] = []

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address == REFUSED:
            return "550 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.delivered.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"s3cret", handled=False)


def _serve(server: Server, **options: Any) -> Iterator[tuple[Server, int]]:
    port = free_port()
    controller = Controller(server, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield server, port
    finally:
        controller.stop()


@pytest.fixture
def smtp() -> Iterator[tuple[Server, int]]:
    yield from _serve(Server())


@pytest.fixture
def smtp_with_login() -> Iterator[tuple[Server, int]]:
    server = Server()
    yield from _serve(
        server,
        authenticator=server.authenticate,
        auth_require_tls=False,  # the test server has no certificate; the login is the point
    )


def _mail(family_id: int, to: str) -> OutgoingEmail:
    return OutgoingEmail(family_id=family_id, to=to, subject="Hello", body=f"for {family_id}")


def _settings(port: int, **changes: Any) -> Settings:
    return Settings(smtp_host="127.0.0.1", smtp_port=port, **changes)


async def test_a_refused_recipient_is_skipped_and_the_rest_of_the_batch_delivered(
    smtp: tuple[Server, int], caplog: pytest.LogCaptureFixture
) -> None:
    # given a batch of three whose middle recipient the server refuses
    server, port = smtp
    batch = [_mail(1, "a@example.test"), _mail(2, REFUSED), _mail(3, "c@example.test")]
    # when it is sent
    with caplog.at_level(logging.WARNING, logger="service.mailer"):
        accepted = await SmtpMailer(_settings(port)).send(batch)
    # then the two others arrived, each with its own body, and the refusal is logged
    assert accepted == {1, 3}
    assert [(to, str(message.get_payload()).strip()) for to, message in server.delivered] == [
        (["a@example.test"], "for 1"),
        (["c@example.test"], "for 3"),
    ]
    assert "mail to family 2 refused" in caplog.text


async def test_the_mailer_logs_in_with_the_configured_user(
    smtp_with_login: tuple[Server, int],
) -> None:
    server, port = smtp_with_login
    # given the right password, the mail is accepted after the login
    good = _settings(port, smtp_username="school", smtp_password="s3cret")
    assert await SmtpMailer(good).send([_mail(1, "a@example.test")]) == {1}
    # and given a wrong one, nothing is sent
    bad = _settings(port, smtp_username="school", smtp_password="wrong")
    assert await SmtpMailer(bad).send([_mail(2, "b@example.test")]) == set()
    # (aiosmtplib tries each mechanism the server offers before giving up)
    assert server.logins[0] == (b"school", b"s3cret")
    assert set(server.logins[1:]) == {(b"school", b"wrong")}
    assert [to for to, _ in server.delivered] == [["a@example.test"]]


async def test_required_starttls_never_falls_back_to_plain_text(
    smtp: tuple[Server, int], caplog: pytest.LogCaptureFixture
) -> None:
    # given SMTP_STARTTLS on and a server that does not offer STARTTLS
    server, port = smtp
    # when a mail is sent
    with caplog.at_level(logging.ERROR, logger="service.mailer"):
        accepted = await SmtpMailer(_settings(port, smtp_starttls=True)).send(
            [_mail(1, "a@example.test")]
        )
    # then it is not sent in the clear, and the failure is logged
    assert accepted == set()
    assert server.delivered == []
    assert "SMTP delivery via 127.0.0.1 failed" in caplog.text


async def test_an_unreachable_server_sends_nothing_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given nothing listening on the SMTP port
    with caplog.at_level(logging.ERROR, logger="service.mailer"):
        accepted = await SmtpMailer(_settings(free_port())).send([_mail(1, "a@example.test")])
    assert accepted == set()
    assert "SMTP delivery via 127.0.0.1 failed" in caplog.text
