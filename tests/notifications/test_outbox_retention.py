"""The outbox keeps what it delivered for a week and dead messages for 90 days: the housekeeping round deletes older
finished and dead messages, in batches, and never a message still waiting to be delivered, however old."""

from __future__ import annotations

import datetime as dt

import asyncpg
import pytest

from api.auth.housekeeping import purge
from api.outbox import retention


async def plant(db: asyncpg.Connection, topic: str, **ages: str) -> int:
    """An outbox message whose processed_at / dead_at lie the given intervals in the past (None: not set)."""
    processed, dead = (dt.timedelta(days=int(ages[k].split()[0])) if k in ages else None for k in ("processed", "dead"))
    return int(
        await db.fetchval(
            """INSERT INTO outbox_message (topic, channel, payload, created_at, processed_at, dead_at)
               VALUES ($1, 'test_retention', '{}', now() - interval '200 days',
                       now() - $2::interval, now() - $3::interval) RETURNING id""",
            topic,
            processed,
            dead,
        )
    )


async def test_old_delivered_and_dead_messages_go_and_waiting_ones_stay(db: asyncpg.Connection) -> None:
    # Shorter horizons than the defaults, so that the app's own housekeeping round (7 and 90 days), which may be
    # running beside this test, leaves these rows to this call.
    old_done = await plant(db, "retention.old_done", processed="3 days")
    recent_done = await plant(db, "retention.recent_done", processed="1 days")
    old_dead = await plant(db, "retention.old_dead", dead="11 days")
    recent_dead = await plant(db, "retention.recent_dead", dead="9 days")
    waiting = await plant(db, "retention.waiting")
    counts = await retention.prune(db, finished_days=2, dead_days=10)
    assert counts == {"outbox_finished": 1, "outbox_dead": 1}
    assert {"outbox_finished", "outbox_dead"} <= (await purge(db)).keys()  # the housekeeping round runs it
    left = {r["id"] for r in await db.fetch("SELECT id FROM outbox_message WHERE channel = 'test_retention'")}
    assert old_done not in left and old_dead not in left
    assert {recent_done, recent_dead, waiting} <= left
    await db.execute("DELETE FROM outbox_message WHERE channel = 'test_retention'")


async def test_more_than_a_batch_is_deleted_in_one_round(
    db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retention, "BATCH", 7)
    await db.execute(
        """INSERT INTO outbox_message (topic, channel, payload, processed_at)
           SELECT 'retention.bulk', 'test_retention', '{}', now() - interval '3 days' FROM generate_series(1, 30)"""
    )
    counts = await retention.prune(db, finished_days=2)
    assert counts["outbox_finished"] == 30
    assert await db.fetchval("SELECT count(*) FROM outbox_message WHERE channel = 'test_retention'") == 0
    # The retention index serves the search for the oldest finished messages.
    oldest = "SELECT id FROM outbox_message WHERE processed_at < now() ORDER BY processed_at LIMIT 5"
    plan = "\n".join(r[0] for r in await db.fetch(f"EXPLAIN {oldest}"))
    assert "outbox_message_processed_idx" in plan
