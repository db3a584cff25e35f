"""The daily open data release: made at a set local hour (WIB), and at once when none exists yet, so that
``/open-data/datapackage.json`` answers from the first start (CONTRACT.md).

Any number of API and worker processes on any number of machines run this: one transaction-level advisory lock
(held by the transaction that builds and stores the release, so that it works through PgBouncer in transaction mode,
where a session lock would stay on whichever server session took it) makes exactly one of them build a given day's
release; the others skip (the periodic job) or wait for it (the first
request before any release exists), then find it stored. The version is the release's local date, so a release
made twice the same day is refused by its primary key anyway.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import zoneinfo
from typing import Final

import asyncpg

from api.config import OpenDataSettings
from api.lib.periodic import run_every
from api.stats import open_data, open_data_store

log = logging.getLogger(__name__)

# "mpp_odat": held while a release is built.
LOCK_KEY: Final = 0x6D70705F6F646174
# Releases follow the national clock (WIB): one version a day for the whole country.
CLOCK: Final = zoneinfo.ZoneInfo("Asia/Jakarta")
CHECK_SECONDS: Final = 300.0


def release_day(now: dt.datetime) -> dt.date:
    return now.astimezone(CLOCK).date()


def due(latest: str | None, now: dt.datetime, options: OpenDataSettings) -> bool:
    """Whether a release should be made now: none exists, or today's is missing and its hour has come."""
    if latest is None:
        return True
    local = now.astimezone(CLOCK)
    return latest < local.date().isoformat() and local.hour >= options.release_hour


async def _build_and_save(conn: asyncpg.Connection, options: OpenDataSettings, now: dt.datetime) -> str:
    version = release_day(now).isoformat()
    release = await open_data.build_release(conn, version=version, options=options, now=now)
    await open_data_store.save(conn, release, keep=options.keep)
    return version


async def release_if_due(conn: asyncpg.Connection, options: OpenDataSettings, now: dt.datetime | None = None) -> str:
    """One round of the daily job: the version released now, or '' (not due, or another process is at it)."""
    now = now or dt.datetime.now(dt.UTC)
    if not due(await open_data_store.latest_version(conn), now, options):
        return ""
    async with conn.transaction():
        if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", LOCK_KEY):
            return ""
        # Checked again under the lock: another process may have released it since.
        if not due(await open_data_store.latest_version(conn), now, options):
            return ""
        return await _build_and_save(conn, options, now)


async def ensure_release(conn: asyncpg.Connection, options: OpenDataSettings) -> str:
    """The newest release's version, making the first one if there is none (waiting for another process that is
    making it, rather than answering 404 during the first seconds of a new installation)."""
    latest = await open_data_store.latest_version(conn)
    if latest is not None:
        return latest
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", LOCK_KEY)
        latest = await open_data_store.latest_version(conn)
        return latest or await _build_and_save(conn, options, dt.datetime.now(dt.UTC))


async def run_forever(dsn: str, stop: asyncio.Event, options: OpenDataSettings) -> None:
    """Check every few minutes whether the day's release is due (the first round runs at start)."""

    async def step(conn: asyncpg.Connection) -> str:
        return await release_if_due(conn, options)

    await run_every(CHECK_SECONDS, stop, step, dsn=dsn, name="open-data release", logger=log)
