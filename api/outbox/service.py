"""Writing to the outbox. Always inside the transaction of the change: both happen, or neither."""

from __future__ import annotations

import json
import uuid
from typing import Any

import asyncpg


async def enqueue(
    conn: asyncpg.Connection,
    *,
    topic: str,
    recipient: uuid.UUID | None,
    subject: uuid.UUID | None,
    payload: dict[str, Any],
    channel: str = "notify",
) -> int:
    # One round trip: the insert, and the NOTIFY that wakes the delivery worker (PostgreSQL delivers it only
    # when the transaction commits, so a rolled-back change wakes nobody).
    message_id: int = await conn.fetchval(
        """WITH queued AS (
               INSERT INTO outbox_message
                   (created_at, topic, channel, recipient, subject, payload, attempts, next_attempt_at)
               VALUES (now(), $1, $5, $2, $3, $4::jsonb, 0, now()) RETURNING id)
           SELECT id FROM queued, pg_notify('outbox', $5)""",
        topic,
        recipient,
        subject,
        json.dumps(payload, default=str),
        channel,
    )
    return message_id


async def forget_recipient(conn: asyncpg.Connection, recipient: uuid.UUID) -> int:
    """Delete every message to a person whose account is being erased: sent ones keep their texts' data (names,
    numbers) in the payload, and unsent ones must never go out. Returns how many there were."""
    status: str = await conn.execute("DELETE FROM outbox_message WHERE recipient = $1", recipient)
    return int(status.split()[-1])
