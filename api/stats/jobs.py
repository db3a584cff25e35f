"""The consumer's periodic job: every ``MPP_STATS_EVERY_SECONDS`` (default 60) each ``mpp serve`` and ``mpp worker``
process tries to catch the figures up; the source's advisory lock lets one process at a time do each source, the
others skip it (api/stats/consumer.py), so any number of processes on any number of machines may run it."""

from __future__ import annotations

import asyncio
import logging

import asyncpg

from api.lib.periodic import run_every
from api.stats.consumer import catch_up

log = logging.getLogger(__name__)


async def run_forever(dsn: str, stop: asyncio.Event, *, every_seconds: float) -> None:
    """Catch up every ``every_seconds`` until ``stop`` is set; a database outage only delays it."""

    async def step(conn: asyncpg.Connection) -> dict[str, int]:
        return await catch_up(conn, stop=stop)

    await run_every(every_seconds, stop, step, dsn=dsn, name="stats", logger=log)
