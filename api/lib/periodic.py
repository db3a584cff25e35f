"""The one loop behind every periodic job (housekeeping, erasure, the queue's and the complaints' minute jobs) and the
waits the background workers share.

Each round opens its own connection (a job holds none between rounds, so a database restart costs one round at
most) and closes it; an unreachable database is logged and the round is simply tried again ``seconds`` later. The
loop ends when ``stop`` is set, at once, even in the middle of its wait; a round already running is given
``STOP_GRACE_SECONDS`` to finish (``finish_or_cancel``), then cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any

import asyncpg

log = logging.getLogger(__name__)

# How long a process that is stopping waits for the rounds already running. A deployment's rolling restart (and
# uvicorn's, systemd's or Kubernetes' own deadline after SIGTERM) should not wait on a catch-up over millions of
# rows: every round's work is one or more transactions, so a cancelled one is rolled back and done again by the next
# round, in this process's successor or in another process (bench/growth_bench.py saw `mpp serve` outlive 20 s).
STOP_GRACE_SECONDS = 5.0

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


async def finish_or_cancel(tasks: list[asyncio.Task[Any]], grace: float = STOP_GRACE_SECONDS) -> list[str]:
    """Wait up to ``grace`` seconds for tasks already told to stop, then cancel those still running and wait for
    them to unwind (their connections closed, their transactions rolled back). A task that failed is logged, not
    raised: the others still get their turn. Returns the names of the tasks cancelled."""
    if not tasks:
        return []
    _, pending = await asyncio.wait(tasks, timeout=grace)
    for task in pending:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for task in tasks:
        if not task.cancelled() and task.exception() is not None:
            log.error("%s failed", task.get_name(), exc_info=task.exception())
    cancelled = sorted(task.get_name() for task in pending)
    if cancelled:
        log.warning("stopped after %.0f s without finishing: %s", grace, ", ".join(cancelled))
    return cancelled


async def run_until_stopped(
    jobs: Mapping[str, Coroutine[Any, Any, None]], stop: asyncio.Event, grace: float = STOP_GRACE_SECONDS
) -> None:
    """Run ``jobs`` (by name) until ``stop`` is set or one of them fails — then the others are stopped too and the
    failure raised, for the process's supervisor to restart it; a job that simply returns (one switched off by its
    settings) leaves the others running — then ``finish_or_cancel`` them."""
    tasks = [asyncio.create_task(job, name=name) for name, job in jobs.items()]
    stopping = asyncio.create_task(stop.wait(), name="stop")
    waiting: set[asyncio.Task[Any]] = {stopping, *tasks}
    try:
        while stopping in waiting:
            done, waiting = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            if any(not task.cancelled() and task.exception() is not None for task in done):
                break
    finally:
        stop.set()
        stopping.cancel()
        await finish_or_cancel(tasks, grace)
    for task in tasks:
        if not task.cancelled() and (failure := task.exception()) is not None:
            raise failure
