"""Keeping a process's calendars current: LISTEN ``calendar_changed``, reload on each change.

A loop of its own rather than a ride on ``CatalogueRuntime``'s connection: the catalogue reloads its whole search
index on every catalogue change, and the days off change for reasons of their own (a decree, a local holiday);
sharing one listener would reload both for either, and tie this domain to the catalogue's insides. The price is
one idle connection per process.

It works the same with one process (the embedded default) and with many on many machines (the loop, its
reconnection and its reload on every (re)connection: ``api.lib.listener``). After a reload, ``on_change`` (if given)
is called with the calendars before and after — the applications domain uses it to catch deadlines a process
counted in the moment before it heard of a new day (``api.applications.service.deadlines.catch_up``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import asyncpg

from api.calendar import service
from api.calendar.service import Calendars
from api.lib.listener import ChannelListener

log = logging.getLogger(__name__)

CHANNEL = "calendar_changed"
OnChange = Callable[[asyncpg.Connection, Calendars, Calendars], Awaitable[None]]


class CalendarRuntime(ChannelListener):
    """Per-process: the calendars in memory (``api.calendar.service.calendars()``), reloaded on every change."""

    channel = CHANNEL

    def __init__(self, dsn: str, *, on_change: OnChange | None = None) -> None:
        super().__init__(dsn)
        self.on_change = on_change
        # Set after each reload: tests (and anyone) may wait for the next one.
        self.reloaded = asyncio.Event()

    async def reload(self, conn: asyncpg.Connection) -> None:
        before = service.calendars()
        after = await service.load(conn)
        self.reloaded.set()
        if after.version != before.version:
            log.info("calendar loaded: version %s, %s days off in force", after.version, len(after.days))
            if self.on_change is not None and before.version:
                try:
                    await self.on_change(conn, before, after)
                except asyncio.CancelledError:
                    raise
                except Exception:  # the reload stands; the hook's work is retried on the next change
                    log.exception("calendar change hook failed")
