"""The one loop behind every periodic job (housekeeping, erasure, the queue's and the complaints' minute jobs) and the
waits the background workers share.

Each round opens its own connection (a job holds none between rounds, so a database restart costs one round at
most) and closes it; an unreachable database is logged and the round is simply tried again ``seconds`` later. The
loop ends when ``stop`` is set, at once, even in the middle of its wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import asyncpg

log = logging.getLogger(__name__)

# What an unreachable or restarting database raises: a background loop waits and tries again, never dies of these.
DATABASE_ERRORS: tuple[type[BaseException], ...] = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)


async def sleep_unless_stopped(stop: asyncio.Event, seconds: float) -> None:
    """Wait ``seconds``, or less when ``stop`` is set meanwhile."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def first_of(*waits: Awaitable[Any]) -> None:
    """Wait until any of ``waits`` is done; the others are cancelled."""
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()


async def run_every(
    seconds: float,
    stop: asyncio.Event,
    step: Callable[[asyncpg.Connection], Awaitable[object]],
    *,
    dsn: str,
    name: str,
    logger: logging.Logger = log,
) -> None:
    """Run ``step`` on a fresh connection every ``seconds`` until ``stop`` is set; a database outage only delays it.
    What a round returns is logged (as ``name: result``) when it did something: not empty, not zero, not a mapping
    of zeros (the counts by kind of a round that found nothing to do)."""
    while not stop.is_set():
        try:
            conn = await asyncpg.connect(dsn, timeout=5)
            try:
                done = await step(conn)
            finally:
                await conn.close()
            if any(done.values()) if isinstance(done, Mapping) else done:
                logger.info("%s: %s", name, done)
        except DATABASE_ERRORS as exc:
            logger.warning("%s: %s", name, exc)
        await sleep_unless_stopped(stop, seconds)
