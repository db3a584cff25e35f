"""The daily reconciliation: ask OSS for the status of each licence decided in the last days, compare with ours, and
write every disagreement to ``oss_difference`` for the region's admins.

Every process runs the check every ``CHECK_SECONDS``; one starts a run when the last one is a day old, deciding
under ``pg_try_advisory_xact_lock`` in a short transaction of its own (the run's row is the record that today's run
is taken), so any number of processes make one run a day, and the OSS calls happen outside any transaction.
A licence OSS could not be asked about is counted as unanswered and asked again in the next run. What OSS says is
also kept as its latest word on the licence (``oss_kd``; an event when it changed).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

import asyncpg

from api.oss.client import Oss, OssFailed

log = logging.getLogger(__name__)

LOCK_KEY = 0x6D70_706F_7373  # "mpposs"
CHECK_SECONDS = 600.0
# How far back a run looks: a licence decided within a month may still be disputed or changed in OSS.
RECONCILE_DAYS = 30
# A day, less the check's period, so the run does not creep later each day.
EVERY = dt.timedelta(days=1) - dt.timedelta(seconds=CHECK_SECONDS)
# A decision not yet acknowledged is left to the worker for this long before its absence in OSS counts.
GRACE = dt.timedelta(hours=1)

_START = """
INSERT INTO oss_run (id, started_at)
SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM oss_run WHERE started_at > $2::timestamptz - $3::interval)
RETURNING id
"""

_DUE = """
SELECT id, region, our_kd, oss_kd FROM oss_licence
WHERE decided_at >= $1::timestamptz - make_interval(days => $2)
  AND (sent_kd IS NOT NULL OR decided_at < $1::timestamptz - $3::interval)
ORDER BY decided_at
"""

_HEARD = """
WITH changed AS (
    UPDATE oss_licence SET oss_kd = $2, oss_at = $3, updated_at = $3
    WHERE id = $1 AND oss_kd IS DISTINCT FROM $2 RETURNING id)
INSERT INTO oss_licence_event (licence, at, source, kd_status, detail)
SELECT id, $3, 'reconcile', $2, '{}'::jsonb FROM changed
"""

_DIFFERENCE = """
INSERT INTO oss_difference (run, licence, region, ours, theirs, found_at) VALUES ($1, $2, $3, $4, $5, $6)
"""

_FINISHED = "UPDATE oss_run SET finished_at = $2, checked = $3, differences = $4, unanswered = $5 WHERE id = $1"


async def start_run(conn: asyncpg.Connection, *, now: dt.datetime | None = None) -> uuid.UUID | None:
    """The id of a new run when one is due and no other process is deciding the same; None otherwise."""
    now = now or dt.datetime.now(dt.UTC)
    async with conn.transaction():
        if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", LOCK_KEY):
            return None
        run: uuid.UUID | None = await conn.fetchval(_START, uuid.uuid4(), now, EVERY)
    return run


async def reconcile(conn: asyncpg.Connection, oss: Oss, run: uuid.UUID, *, days: int) -> dict[str, int]:
    """Compare each due licence's status with OSS's; returns the run's counts."""
    now = dt.datetime.now(dt.UTC)
    licences = await conn.fetch(_DUE, now, days, GRACE)
    differences = unanswered = 0
    for licence in licences:
        try:
            theirs = await oss.licence_status(str(licence["id"]))
        except OssFailed as failure:
            unanswered += 1
            log.warning("oss reconciliation: licence %s: %s", licence["id"], failure.reason)
            continue
        heard = dt.datetime.now(dt.UTC)
        async with conn.transaction():
            if theirs is not None:
                await conn.execute(_HEARD, licence["id"], theirs, heard)
            if theirs != licence["our_kd"]:
                differences += 1
                await conn.execute(_DIFFERENCE, run, licence["id"], licence["region"], licence["our_kd"], theirs, heard)
    counts = {"checked": len(licences) - unanswered, "differences": differences, "unanswered": unanswered}
    await conn.execute(_FINISHED, run, dt.datetime.now(dt.UTC), *counts.values())
    return counts


async def daily_round(conn: asyncpg.Connection, oss: Oss, *, days: int) -> dict[str, int]:
    """One check of the periodic loop: the day's run if it is this process's to make, else nothing."""
    run = await start_run(conn)
    if run is None:
        return {}
    try:
        return await reconcile(conn, oss, run, days=days)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
        raise
    except Exception:
        # A bug must not end the loop that also forwards decisions; the run stays unfinished, tomorrow's comes.
        log.exception("oss reconciliation %s", run)
        return {}
