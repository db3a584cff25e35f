"""How long the outbox keeps what it has delivered. A finished message is history nobody reads (each consumer keeps its
own record: the inbox, the webhook deliveries, the LAPOR! hand-offs), but left alone it is most of the table: at a
national scale of a few million messages a day the table, its indexes and every vacuum of it would grow without end.

Finished messages are kept a week (enough to investigate a complaint about a notification), dead ones 90 days (a
region admin may still replay them). Deleted in batches of a few thousand, each its own statement, so no lock is held
long and several processes running this at once share the work (``SKIP LOCKED``) instead of waiting on each other.
"""

from __future__ import annotations

import asyncpg

FINISHED_DAYS = 7
DEAD_DAYS = 90
BATCH = 5000
MAX_BATCHES = 200  # a round deletes at most a million rows; the next round (ten minutes later) goes on

_PRUNE_FINISHED = """
DELETE FROM outbox_message WHERE id IN (
    SELECT id FROM outbox_message
    WHERE processed_at IS NOT NULL AND processed_at < now() - make_interval(days => $1)
    ORDER BY processed_at LIMIT $2 FOR UPDATE SKIP LOCKED)
"""

_PRUNE_DEAD = """
DELETE FROM outbox_message WHERE id IN (
    SELECT id FROM outbox_message
    WHERE processed_at IS NULL AND dead_at IS NOT NULL AND dead_at < now() - make_interval(days => $1)
    LIMIT $2 FOR UPDATE SKIP LOCKED)
"""


async def prune(
    conn: asyncpg.Connection, *, finished_days: int = FINISHED_DAYS, dead_days: int = DEAD_DAYS
) -> dict[str, int]:
    """Delete finished messages older than ``finished_days`` and dead ones older than ``dead_days``; the counts."""
    counts = {"outbox_finished": 0, "outbox_dead": 0}
    rounds = (("outbox_finished", _PRUNE_FINISHED, finished_days), ("outbox_dead", _PRUNE_DEAD, dead_days))
    for name, sql, days in rounds:
        for _ in range(MAX_BATCHES):
            deleted = int((await conn.execute(sql, days, BATCH)).split()[-1])
            counts[name] += deleted
            if deleted < BATCH:
                break
    return counts
