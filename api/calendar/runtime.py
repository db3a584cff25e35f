"""Keeping a process's calendars current: LISTEN ``calendar_changed``, reload on each change.

A loop of its own rather than a ride on ``CatalogueRuntime``'s connection: the catalogue reloads its whole search
index on every catalogue change, and the days off change for reasons of their own (a decree, a local holiday);
sharing one listener would reload both for either, and tie this domain to the catalogue's insides. The price is
one idle connection per process.

It works the same with one process (the embedded default) and with many on many machines: PostgreSQL delivers
the NOTIFY to every listener when the change commits, and each process reloads its own copy (one statement set,
a few hundred rows). Notifications sent while a listener's connection is down are lost, so every (re)connection
reloads first; a minute of silence is checked with a ``SELECT 1``. After a reload, ``on_change`` (if given) is
called with the calendars before and after — the applications domain uses it to catch deadlines a process
counted in the moment before it heard of a new day (``api.applications.service.deadlines.catch_up``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import asyncpg

from api.calendar import service
from api.calendar.service import Calendars

log = logging.getLogger(__name__)

CHANNEL = "calendar_changed"
OnChange = Callable[[asyncpg.Connection, Calendars, Calendars], Awaitable[None]]


class CalendarRuntime:
    """Per-process: the calendars in memory (``api.calendar.service.calendars()``), reloaded on every change."""

    def __init__(self, dsn: str, *, on_change: OnChange | None = None) -> None:
        self.dsn = dsn
        self.on_change = on_change
        self._task: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()
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

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="calendar-listener")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        delay = 0.5
        while True:
            conn: asyncpg.Connection | None = None
            try:
                conn = await asyncpg.connect(self.dsn, timeout=5)
                lost = asyncio.Event()
                conn.add_termination_listener(lambda _c, lost=lost: lost.set())
                await conn.add_listener(CHANNEL, lambda *_: self._changed.set())
                await self.reload(conn)
                delay = 0.5
                while not lost.is_set():
                    changed = asyncio.create_task(self._changed.wait())
                    gone = asyncio.create_task(lost.wait())
                    done, pending = await asyncio.wait({changed, gone}, timeout=60, return_when="FIRST_COMPLETED")
                    for task in pending:
                        task.cancel()
                    if self._changed.is_set():
                        self._changed.clear()
                        await self.reload(conn)
                    elif not done:
                        await conn.fetchval("SELECT 1")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database went away; keep trying
                log.warning("calendar listener: %s; retrying in %.1fs", exc, delay)
            finally:
                if conn is not None and not conn.is_closed():
                    try:
                        await asyncio.wait_for(conn.close(), timeout=2)
                    except Exception:  # closing a dead connection may fail too
                        conn.terminate()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10)
