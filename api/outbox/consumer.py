"""Taking messages off the outbox: what every consumer of a channel (``notify``: the delivery worker, ``lapor``: the
SP4N-LAPOR! hand-off) does the same way.

Several workers on several machines share a channel: a batch is *claimed* by pushing its rows' ``next_attempt_at``
a lease into the future inside one ``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)``. A worker that dies
mid-batch simply lets its lease run out, and another worker takes the rows again: delivery is at-least-once, and
each consumer makes a repeat harmless its own way. A message then ends *finished* (``processed_at``), *retried*
later (``next_attempt_at``, with its error), or *dead* (``dead_at``: a region admin sees it and may replay it).

A consumer wakes on ``NOTIFY outbox`` (sent at the commit of the change; its payload names the message's channel,
an empty one wakes every channel, as a replay does) and polls as a fallback, so a lost listener connection delays
nothing for long; when PostgreSQL goes away the loop waits and reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeAlias

import asyncpg

from api.lib.periodic import DATABASE_ERRORS, first_of, sleep_unless_stopped

log = logging.getLogger(__name__)

# The last error kept on a message (outbox_message.last_error).
MAX_ERROR = 300

# A connection or a pool (whose statements each take a connection for themselves).
Database: TypeAlias = "asyncpg.Connection | asyncpg.Pool"

_CLAIM = """
UPDATE outbox_message SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => $2)
WHERE id IN (SELECT id FROM outbox_message
             WHERE processed_at IS NULL AND dead_at IS NULL AND next_attempt_at <= now() AND channel = $3
             ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
RETURNING *
"""


async def claim(db: Database, *, channel: str, batch: int, lease_seconds: float) -> list[asyncpg.Record]:
    """Up to ``batch`` due messages of ``channel``, each leased for ``lease_seconds`` and its ``attempts`` counted."""
    rows: list[asyncpg.Record] = await db.fetch(_CLAIM, batch, lease_seconds, channel)
    return rows


async def finish(db: Database, messages: Sequence[int]) -> None:
    """Done with these messages (delivered, or nothing left to do): never taken again."""
    await db.execute(
        "UPDATE outbox_message SET processed_at = now(), last_error = NULL WHERE id = ANY($1::bigint[])",
        list(messages),
    )


async def retry(db: Database, message: int, *, delay: float, error: str) -> None:
    """Take the message again in ``delay`` seconds (see ``api.lib.retry.backoff``); ``error`` says why it failed."""
    await db.execute(
        "UPDATE outbox_message SET next_attempt_at = now() + make_interval(secs => $2), last_error = $3 WHERE id = $1",
        message,
        delay,
        error[:MAX_ERROR],
    )


async def dead(db: Database, message: int, *, error: str) -> None:
    """Never try the message again by itself (a dead letter, which an admin may replay)."""
    await db.execute(
        "UPDATE outbox_message SET dead_at = now(), last_error = $2 WHERE id = $1", message, error[:MAX_ERROR]
    )


async def consume(
    dsn: str,
    stop: asyncio.Event,
    step: Callable[[], Awaitable[int]],
    *,
    channel: str,
    poll_seconds: float,
    name: str,
    logger: logging.Logger = log,
    survive_bugs: bool = False,
) -> None:
    """Call ``step`` (one batch; it returns how many messages it took) until ``stop`` is set: again at once after a
    batch that took some, else after a ``NOTIFY`` for ``channel`` or ``poll_seconds``. An unreachable database
    pauses the loop for ``poll_seconds``; so does any other error when ``survive_bugs`` (logged with its trace)."""
    wake = asyncio.Event()
    listener = asyncio.create_task(_listen(dsn, stop, wake, channel, name, logger), name=f"outbox-{channel}-listener")
    try:
        while not stop.is_set():
            try:
                handled = await step()
            except DATABASE_ERRORS as exc:
                logger.warning("%s: database unavailable: %s", name, exc)
                await sleep_unless_stopped(stop, poll_seconds)
                continue
            except Exception:
                if not survive_bugs:
                    raise
                logger.exception(name)
                await sleep_unless_stopped(stop, poll_seconds)
                continue
            if handled:
                continue  # more may be waiting
            wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(first_of(stop.wait(), wake.wait()), timeout=poll_seconds)
    finally:
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener


async def _listen(
    dsn: str, stop: asyncio.Event, wake: asyncio.Event, channel: str, name: str, logger: logging.Logger
) -> None:
    def heard(_conn: object, _pid: int, _channel: str, payload: str) -> None:
        if payload in (channel, ""):
            wake.set()

    while not stop.is_set():
        conn: asyncpg.Connection | None = None
        try:
            conn = await asyncpg.connect(dsn, timeout=5)
            lost = asyncio.Event()
            conn.add_termination_listener(lambda _c, lost=lost: lost.set())
            await conn.add_listener("outbox", heard)
            wake.set()  # messages may have arrived while we were not listening
            await first_of(lost.wait(), stop.wait())
        except DATABASE_ERRORS as exc:
            logger.info("%s listener: %s", name, exc)
        finally:
            if conn is not None and not conn.is_closed():
                conn.terminate()
        await sleep_unless_stopped(stop, 1.0)


async def open_pool(dsn: str, stop: asyncio.Event, *, max_size: int, name: str) -> asyncpg.Pool | None:
    """A consumer's own small pool (separate from the API's), waiting for the database as long as it takes; None
    when ``stop`` came first."""
    while not stop.is_set():
        try:
            pool: asyncpg.Pool = await asyncpg.create_pool(dsn, min_size=1, max_size=max_size, timeout=5)
            return pool
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("%s: waiting for the database: %s", name, exc)
            await sleep_unless_stopped(stop, 2.0)
    return None
