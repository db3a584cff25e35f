"""A process's copy of something kept current by ``LISTEN``: the one loop that the catalogue's search index, the
calendars and the queue's boards (and any later per-process state) share.

A dedicated connection LISTENs on the channel; each NOTIFY reloads. Notifications sent while the connection is
down are lost, so every (re)connection reloads first, with backoff between attempts (0.5 s doubling to 10 s); a
minute of silence is checked with a ``SELECT 1``. It works the same with one process and with many on many
machines: PostgreSQL delivers the NOTIFY to every listener when the change commits. A subclass whose notifications
say *what* changed (the queue's board: the region) overrides ``notified`` to act on the payload instead of
reloading everything.

The connection is the primary's own (``Database.dsn``: ``DATABASE_DIRECT_URL`` behind PgBouncer, whose transaction
mode cannot hold a LISTEN). With a read replica, a notification is handed on only once the replica has replayed
what the primary had written when it arrived (``api.lib.db.replica_caught_up``): what a reload then reads through
the replica, and caches, is not older than the change announced.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from typing import ClassVar

import asyncpg

from api.lib import db

log = logging.getLogger(__name__)


class ChannelListener:
    """Subclasses name their ``channel`` and implement ``reload``; ``start``/``stop`` run the loop as a task."""

    channel: ClassVar[str]
    # A pause after a notification so that a burst of changes (a seed, an import) costs one reload.
    settle_seconds: ClassVar[float] = 0.0
    # How long a quiet connection goes before a ``SELECT 1`` checks it is really there (a half-open socket is not).
    keepalive_seconds: ClassVar[float] = 60.0
    # The connection's name in pg_stat_activity (None: the driver's default).
    application_name: ClassVar[str | None] = None
    # Spread of the reconnection delay (0.5: ±25 %), so that processes that lost the database together do not all
    # come back in the same instant.
    jitter: ClassVar[float] = 0.0
    # With a read replica: how long a notification waits for the replica to replay the change it announces.
    replica_wait_seconds: ClassVar[float] = 60.0
    # False for a listener whose notifications lead to no read (the sessions' revocations only forget).
    waits_for_replica: ClassVar[bool] = True

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self._task: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()
        # Payloads heard but not handed on yet (waiting for the replica), and the task doing that.
        self._heard: list[str] = []
        self._handing_on: asyncio.Task[None] | None = None

    async def reload(self, conn: asyncpg.Connection) -> None:
        raise NotImplementedError

    def notified(self, payload: str) -> None:
        """A NOTIFY on the channel: reload (soon, on the listening connection)."""
        self._changed.set()

    def disconnected(self) -> None:
        """The listening connection is gone (a reconnection follows); nothing to do unless a subclass says so."""

    def _on_notify(self, payload: str) -> None:
        if not self.waits_for_replica or not db.has_replica():
            self.notified(payload)
            return
        self._heard.append(payload)
        if self._handing_on is None or self._handing_on.done():
            self._handing_on = asyncio.create_task(self._hand_on(), name=f"{self.channel}-replica-wait")

    async def _hand_on(self) -> None:
        """Hand on what was heard once the replica has it; a burst shares the waits. Until then the process keeps
        what it has (a reload now would cache the replica's older rows under the new version, for as long as that
        version lasts); a replica still behind after ``replica_wait_seconds`` is an incident, logged, and the
        notification goes on anyway."""
        while self._heard:
            # In the order heard: a subclass may read a sequence (the catalogue: scopes, then the version closing them).
            batch, self._heard = self._heard, []
            try:
                await db.replica_caught_up(within=self.replica_wait_seconds)
            except Exception as exc:  # the primary or the replica is unreachable: better a read now than none
                log.warning("%s listener: replica position unknown: %s", self.channel, exc)
            for payload in batch:
                self.notified(payload)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"{self.channel}-listener")

    async def stop(self) -> None:
        if self._handing_on is not None:
            self._handing_on.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._handing_on
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
                settings = {"application_name": self.application_name} if self.application_name else None
                conn = await asyncpg.connect(self.dsn, timeout=5, server_settings=settings)
                lost = asyncio.Event()
                conn.add_termination_listener(lambda _c, lost=lost: lost.set())
                await conn.add_listener(self.channel, lambda _c, _pid, _channel, payload: self._on_notify(payload))
                await self.reload(conn)
                delay = 0.5
                while not lost.is_set():
                    await self._wait(conn, lost)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database went away; keep trying
                log.warning("%s listener: %s; retrying in %.1fs", self.channel, exc, delay)
            finally:
                self.disconnected()
                if conn is not None and not conn.is_closed():
                    try:
                        await asyncio.wait_for(conn.close(), timeout=2)
                    except Exception:  # closing a dead connection may fail too
                        conn.terminate()
            await asyncio.sleep(delay * (1 + self.jitter * (random.random() - 0.5)))  # noqa: S311 (not a secret)
            delay = min(delay * 2, 10)

    async def _wait(self, conn: asyncpg.Connection, lost: asyncio.Event) -> None:
        """Until a change (reload), the connection's loss, or a quiet minute (check the connection is alive)."""
        changed = asyncio.create_task(self._changed.wait())
        gone = asyncio.create_task(lost.wait())
        done, pending = await asyncio.wait(
            {changed, gone}, timeout=self.keepalive_seconds, return_when="FIRST_COMPLETED"
        )
        for task in pending:
            task.cancel()
        if self._changed.is_set():
            self._changed.clear()
            if self.settle_seconds:
                await asyncio.sleep(self.settle_seconds)
                self._changed.clear()
            await self.reload(conn)
        elif not done:
            await conn.fetchval("SELECT 1", timeout=5)
