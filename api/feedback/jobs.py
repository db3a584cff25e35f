"""Complaints' periodic work, in the rhythm of the queue's jobs (``api.queue.jobs``): a complaint still waiting for
the agency's answer after its due date (the region's own today) is escalated to the region, and an answer the
citizen neither confirmed nor disputed by ``confirm_by`` closes the complaint (timeout). Each with a system event
and the citizen's notification, in the transaction of the change.

Every step is one statement that claims its rows (an UPDATE … RETURNING, its events inserted by the same
statement): any number of processes may run it at once; a second one finds the rows no longer in the status it
looks for (PostgreSQL re-checks the WHERE after waiting for the first one's row locks) and acts on none.
"""

# The SQL here is composed of constants of ours (the zone expression); values are always parameters.
# ruff: noqa: S608

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import asyncpg

from api.catalogue.timezones import time_zone
from api.feedback.complaints import notify
from api.lib.periodic import run_every

log = logging.getLogger(__name__)
EVERY_SECONDS = 60

# The provinces off WIB, from the one table of zones (api.catalogue.timezones), as SQL arrays' values.
_PROVINCES = [f"{p:02d}" for p in range(10, 100)]
WITA = sorted(p for p in _PROVINCES if time_zone(p).key == "Asia/Makassar")
WIT = sorted(p for p in _PROVINCES if time_zone(p).key == "Asia/Jayapura")
_ZONE = """(CASE WHEN left(c.region, 2) = ANY($2::text[]) THEN 'Asia/Makassar'
                 WHEN left(c.region, 2) = ANY($3::text[]) THEN 'Asia/Jayapura' ELSE 'Asia/Jakarta' END)"""
_TODAY = "($1::timestamptz AT TIME ZONE " + _ZONE + ")::date"

_ESCALATE = f"""
WITH moved AS (
    UPDATE feedback_complaint c SET status = 'escalated', escalated_at = $1, updated_at = $1, version = version + 1
    WHERE c.status = 'submitted' AND c.due_date < {_TODAY}
    RETURNING c.id, c.number, c.account, c.due_date),
logged AS (
    INSERT INTO feedback_complaint_event (complaint, at, actor, actor_role, from_status, to_status, action, detail)
    SELECT id, $1, NULL, 'system', 'submitted', 'escalated', 'escalated',
           jsonb_build_object('reason', 'overdue', 'dueDate', due_date)
    FROM moved)
SELECT id, number, account FROM moved
"""

_TIMEOUT = """
WITH closed AS (
    UPDATE feedback_complaint c SET status = 'closed', close_reason = 'timeout', closed_at = $1, updated_at = $1,
                                    version = version + 1
    WHERE c.status = 'answered' AND c.confirm_by <= $1
    RETURNING c.id, c.number, c.account, c.confirm_by),
logged AS (
    INSERT INTO feedback_complaint_event (complaint, at, actor, actor_role, from_status, to_status, action, detail)
    SELECT id, $1, NULL, 'system', 'answered', 'closed', 'closed',
           jsonb_build_object('reason', 'timeout', 'confirmBy', confirm_by)
    FROM closed)
SELECT id, number, account FROM closed
"""


async def escalate_overdue(conn: asyncpg.Connection, *, now: dt.datetime) -> int:
    """Escalate every complaint past its due date without an answer; tell each complainant. How many."""
    async with conn.transaction():
        rows = await conn.fetch(_ESCALATE, now, WITA, WIT)
        for row in rows:
            await notify(conn, row, "escalated")
    return len(rows)


async def close_unconfirmed(conn: asyncpg.Connection, *, now: dt.datetime) -> int:
    """Close every answered complaint whose confirmation time has passed; tell each complainant. How many."""
    async with conn.transaction():
        rows = await conn.fetch(_TIMEOUT, now)
        for row in rows:
            await notify(conn, row, "closed")
    return len(rows)


async def tick(conn: asyncpg.Connection, *, now: dt.datetime) -> dict[str, int]:
    """One round of the complaints' periodic work; what it did, by kind."""
    return {
        "complaints_escalated": await escalate_overdue(conn, now=now),
        "complaints_timed_out": await close_unconfirmed(conn, now=now),
    }


async def run_forever(dsn: str, stop: asyncio.Event) -> None:
    """Run ``tick`` every minute until ``stop`` is set; a database outage only delays it."""

    async def step(conn: asyncpg.Connection) -> dict[str, int]:
        return await tick(conn, now=dt.datetime.now(dt.UTC))

    await run_every(EVERY_SECONDS, stop, step, dsn=dsn, name="complaint jobs", logger=log)
