"""What a resolver needs of the request and of the running server.

Resolvers sit below the schema and above the domain (pyproject.toml's
import-linter contracts): they name neither strawberry's types nor the
composition root in ``service/``. The schema's ``Context`` and
``service.services.Services`` satisfy these protocols as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from domain.badges import BadgeCache
from domain.email import OutgoingEmail
from domain.journal import WindowChange
from domain.viewer import PortalClient, Viewer
from models.db import Database

T_co = TypeVar("T_co", covariant=True)

Deferred = Callable[[], T_co]
"""An input turned into its domain value when the resolver reaches it: after
the permission checks, so a caller without the right hears that first."""


class ActionSettings(Protocol):
    """The server settings staff actions follow."""

    @property
    def require_edit_lock(self) -> bool: ...

    @property
    def edit_lock_ttl_seconds(self) -> float: ...


class MailSender(Protocol):
    async def send(self, messages: Sequence[OutgoingEmail]) -> set[int]:
        """Send each message; returns the family ids whose message was accepted."""
        ...


class Services(Protocol):
    """The long-lived parts of the server a resolver uses."""

    @property
    def settings(self) -> ActionSettings: ...

    @property
    def database(self) -> Database: ...

    @property
    def badges(self) -> BadgeCache: ...

    def mailer_in_use(self) -> MailSender: ...

    async def publish(self, changes: Sequence[WindowChange]) -> None: ...

    async def publish_settings(self, organisation_id: int) -> None: ...

    async def publish_lock(self, staff_id: int) -> None: ...


class RequestContext(Protocol):
    """The caller of one operation, and how it reads."""

    @property
    def services(self) -> Services: ...

    @property
    def portal(self) -> PortalClient | None: ...

    def now(self) -> datetime: ...

    def require_staff(self) -> Viewer: ...

    def require_viewer(self) -> Viewer: ...

    def read(self) -> AbstractAsyncContextManager[AsyncSession]: ...
