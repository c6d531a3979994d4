"""Publishing committed changes to live subscribers.

Called only after the unit of work commits (``Services.publish``). The push
is a wake-up on top of the durable record, so a broadcast that cannot be
sent (Redis down) is logged and swallowed: the action already happened, and
subscribers replay what they missed from the database when Redis is back.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from domain.journal import WindowChange
from subscriptions.broadcast import Broadcaster, BroadcastUnavailable
from subscriptions.channels import (
    changes_message,
    lock_channel,
    lock_message,
    settings_channel,
    settings_message,
    window_channel,
)

logger = logging.getLogger(__name__)


class BroadcastPublisher:
    """Sends one message per organisation per committed action."""

    def __init__(self, broadcaster: Broadcaster) -> None:
        self.broadcaster = broadcaster

    async def publish(self, changes: Sequence[WindowChange]) -> None:
        """A bulk action over many entries is one message, so a subscriber's
        badge is recounted once per action, not once per entry."""
        by_organisation: dict[int, list[WindowChange]] = defaultdict(list)
        for change in changes:
            by_organisation[change.organisation_id].append(change)
        for organisation_id, batch in sorted(by_organisation.items()):
            await self._send(
                window_channel(organisation_id), changes_message(organisation_id, batch)
            )

    async def publish_lock(self, staff_id: int) -> None:
        """The staff member's edit lock changed: their surfaces re-read it."""
        await self._send(lock_channel(staff_id), lock_message(staff_id))

    async def publish_settings(self, organisation_id: int) -> None:
        """The organisation's settings changed: its live clients re-read them."""
        await self._send(settings_channel(organisation_id), settings_message(organisation_id))

    async def _send(self, channel: str, message: Mapping[str, Any]) -> None:
        try:
            await self.broadcaster.publish(channel, message)
        except BroadcastUnavailable as exc:
            logger.warning("live push to %s skipped (%s); subscribers will resync", channel, exc)
