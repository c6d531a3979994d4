"""The organisation as live clients show it: now, then after every settings change.

A window shows instants on the school's clock (its time zone). A settings
change publishes a wake-up on the organisation's settings channel; every
subscriber then re-reads the organisation's row, which is the record. A
lost wake-up is covered like the edit lock's: the first value is read on
subscribe, and a Redis reconnect (the broadcaster's resync marker) or a
subscriber that fell behind ends in the same re-read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from domain.organisation import OrganisationSettings, load_settings
from models.db import Database
from subscriptions.broadcast import Broadcaster, SubscriberOverflow
from subscriptions.channels import settings_channel


async def _read(database: Database, organisation_id: int) -> OrganisationSettings:
    async with database.read() as session:
        return await load_settings(session, organisation_id)


async def settings_updates(
    database: Database, broadcaster: Broadcaster, organisation_id: int
) -> AsyncIterator[OrganisationSettings]:
    """The organisation's settings now, then each new value (an unchanged
    one is not pushed again)."""
    shown: OrganisationSettings | None = None
    while True:
        async with broadcaster.subscribe(settings_channel(organisation_id)) as inbox:
            try:
                while True:
                    value = await _read(database, organisation_id)
                    if value != shown:
                        shown = value
                        yield value
                    try:
                        await anext(inbox)
                    except StopAsyncIteration:
                        return  # the broadcaster shut down: the server is stopping
            except SubscriberOverflow:
                continue
