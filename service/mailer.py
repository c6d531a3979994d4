"""Delivering email: SMTP when configured, else a local outbox staff can inspect.

``SMTP_HOST`` (with ``SMTP_PORT``, ``SMTP_USERNAME``/``SMTP_PASSWORD`` and
``SMTP_STARTTLS``) sends through a real server; without it each message is
written as an ``.eml`` file under ``OUTBOX_DIR`` (the embedded default).
A batch is sent over one connection with aiosmtplib, on the event loop: no
thread is held for as long as a slow SMTP server takes.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol

import aiosmtplib

from domain.email import OutgoingEmail
from service.settings import Settings

log = logging.getLogger(__name__)
SMTP_TIMEOUT_SECONDS = 30


class Mailer(Protocol):
    async def send(self, messages: Sequence[OutgoingEmail]) -> set[int]:
        """Send each message; returns the family ids whose message was accepted."""
        ...


def build_message(settings: Settings, outgoing: OutgoingEmail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = outgoing.to
    message["Subject"] = outgoing.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.mail_from.rpartition("@")[2] or None)
    message.set_content(outgoing.body)
    return message


class SmtpMailer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, messages: Sequence[OutgoingEmail]) -> set[int]:
        if not messages:
            return set()
        settings = self.settings
        assert settings.smtp_host is not None
        smtp = aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            timeout=SMTP_TIMEOUT_SECONDS,
            # Never aiosmtplib's "upgrade when offered": SMTP_STARTTLS says
            # whether TLS is required (refused without it) or not used.
            start_tls=settings.smtp_starttls,
        )
        accepted: set[int] = set()
        try:
            async with smtp:
                if settings.smtp_username:
                    await smtp.login(settings.smtp_username, settings.smtp_password or "")
                for outgoing in messages:
                    try:
                        await smtp.send_message(build_message(settings, outgoing))
                    except (
                        aiosmtplib.SMTPRecipientsRefused,
                        aiosmtplib.SMTPSenderRefused,
                        aiosmtplib.SMTPDataError,
                    ) as error:
                        log.warning("mail to family %s refused: %s", outgoing.family_id, error)
                        continue
                    accepted.add(outgoing.family_id)
        except (OSError, aiosmtplib.SMTPException) as error:
            # The connection failed: what was not accepted yet was not sent.
            log.error("SMTP delivery via %s failed: %s", settings.smtp_host, error)
        return accepted


class OutboxMailer:
    """Writes each message to ``outbox_dir`` as ``<time>-<id>.eml``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def _write_all(self, messages: Sequence[OutgoingEmail]) -> set[int]:
        outbox = Path(self.settings.outbox_dir)
        outbox.mkdir(parents=True, exist_ok=True)
        written: set[int] = set()
        for outgoing in messages:
            message = build_message(self.settings, outgoing)
            name = f"{uuid.uuid1().hex}.eml"
            (outbox / name).write_bytes(message.as_bytes())
            written.add(outgoing.family_id)
        return written

    async def send(self, messages: Sequence[OutgoingEmail]) -> set[int]:
        if not messages:
            return set()
        return await asyncio.to_thread(self._write_all, messages)


def mailer_for(settings: Settings) -> Mailer:
    return SmtpMailer(settings) if settings.smtp_host else OutboxMailer(settings)
