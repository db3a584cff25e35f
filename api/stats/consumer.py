"""The consumer that keeps the figures: it follows the append-only event tables by transaction id, as PgQ's ticker
does (SkyTools: a batch is the events of the transactions that finished between two snapshots), and adds what
each event counts for to the fact tables — exactly once.

Why transaction ids and not the events' serial ids or times: a serial id is drawn at insert, so a long transaction
can commit an event with a smaller id than one already counted, and a cursor on ids would skip it. Every event row
carries ``xid`` = ``pg_current_xact_id()`` of its transaction. ``pg_snapshot_xmin(pg_current_snapshot())`` is the
oldest transaction still running: every transaction with a smaller id has committed or aborted, so the events with
``xid`` below it are final — none can appear later. A step counts the events in ``[cursor, xmin)`` and moves the
cursor to ``xmin``, in one transaction with the counting; an event of a transaction still running when the step
looked (even one that began long before) has ``xid >= xmin`` and is counted by a later step.

Any number of processes may run it: a step holds the source's transaction-level advisory lock, taken with
``pg_try_advisory_xact_lock`` (another process already doing it: skip), and commits its counts with the cursor.
"""

from __future__ import annotations

import asyncio
import logging

import asyncpg

from api.calendar.service import ensure_loaded
from api.stats import skm_rollup
from api.stats.definitions import SOURCES as LOCK_KEYS
from api.stats.sources import SOURCES, Increments, Source, save

log = logging.getLogger(__name__)

# At most this many events a step: a long backlog (the first start over years of records) is caught up in slices,
# each a short transaction, instead of one that holds its locks for minutes.
SLICE = 20_000
# No event id is above this (bigserial): the upper id bound of a slice that is not a page.
_NO_BOUND = 2**63 - 1

# The slice: from the cursor to the oldest running transaction, cut short at the SLICE-th event after the cursor
# (by xid: every event of one transaction falls in the same slice).
_WINDOW = """
SELECT c.position::text::bigint AS start, c.after_id AS after,
       pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin,
       (SELECT e.xid::text::bigint FROM {table} e WHERE e.xid >= c.position ORDER BY e.xid OFFSET $2 LIMIT 1) AS cut
FROM stats_cursor c WHERE c.source = $1
"""
# More than a slice of events in the cursor's own transaction (an upgrade's back-filled rows, a bulk load): the id
# that ends the next page of it, by the index on (xid, id); None: the rest of it fits in one page.
_PAGE_END = """
SELECT id FROM {table} WHERE xid = $1::bigint::text::xid8 AND id > $2 ORDER BY id OFFSET $3 LIMIT 1
"""
_MOVE = """
UPDATE stats_cursor SET position = $2::bigint::text::xid8, after_id = $3, moved_at = now() WHERE source = $1
"""


async def step(conn: asyncpg.Connection, source: str, *, slice_size: int = SLICE) -> tuple[int, bool]:
    """Count one slice of ``source``'s events: (events counted, whether more may be waiting). (0, False) when
    another process holds the source."""
    spec = SOURCES[source]
    async with conn.transaction():
        if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", LOCK_KEYS[source]):
            return 0, False
        window = await conn.fetchrow(_WINDOW.format(table=spec.table), source, slice_size)
        start, after, upto, cut = window["start"], window["after"], window["xmin"], window["cut"]
        if upto <= start:
            await conn.execute(_MOVE, source, start, after)
            return 0, False
        if cut == start:
            # The cursor's own transaction (final: start < xmin) holds more than a slice: a page of its events.
            page_end = await conn.fetchval(_PAGE_END.format(table=spec.table), start, after, slice_size - 1)
            if page_end is not None:
                counted = await _count(conn, spec, start, start + 1, after, page_end)
                await conn.execute(_MOVE, source, start, page_end)
                return counted, True
            # The rest of it, then on past it.
            counted = await _count(conn, spec, start, start + 1, after, _NO_BOUND)
            await conn.execute(_MOVE, source, start + 1, 0)
            return counted, True
        more = cut is not None and cut < upto
        if more:
            upto = cut
        counted = await _count(conn, spec, start, upto, after, _NO_BOUND)
        await conn.execute(_MOVE, source, upto, 0)
    return counted, more


async def _count(conn: asyncpg.Connection, spec: Source, start: int, upto: int, after: int, last: int) -> int:
    """Add the events of transactions ``[start, upto)`` to the facts — of ``start`` itself only those with an id
    in ``(after, last]`` — and how many there were."""
    rows = await conn.fetch(spec.read, start, upto, after, last)
    increments = Increments()
    for row in rows:
        spec.count(increments, row)
    await save(conn, increments)
    return len(rows)


async def catch_up(
    db: asyncpg.Pool | asyncpg.Connection, *, slice_size: int = SLICE, stop: asyncio.Event | None = None
) -> dict[str, int]:
    """Count every final event not yet counted, source by source: the events counted per source. With ``stop``,
    it ends between slices once ``stop`` is set (each slice is its own transaction): a new installation's first
    catch-up over millions of events must not hold up the process's shutdown."""
    if isinstance(db, asyncpg.Pool):
        async with db.acquire() as conn:
            return await catch_up(conn, slice_size=slice_size, stop=stop)
    # Working days are counted on the calendars in force (a process that does not listen reads them once).
    await ensure_loaded(db)
    counted: dict[str, int] = {}
    for source in SOURCES:
        if stop is not None and stop.is_set():
            return counted
        total, more = await step(db, source, slice_size=slice_size)
        while more and not (stop is not None and stop.is_set()):
            n, more = await step(db, source, slice_size=slice_size)
            total += n
            await asyncio.sleep(0)  # other work of the process between slices
        counted[source] = total
    await skm_rollup.roll(db)
    return counted
