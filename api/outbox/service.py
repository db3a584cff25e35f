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
) -> int:
    message_id: int = await conn.fetchval(
        """INSERT INTO outbox_message (created_at, topic, recipient, subject, payload, attempts, next_attempt_at)
           VALUES (now(), $1, $2, $3, $4::jsonb, 0, now()) RETURNING id""",
        topic,
        recipient,
        subject,
        json.dumps(payload, default=str),
    )
    # Wakes the delivery worker at commit (PostgreSQL sends notifications only when the transaction commits).
    await conn.execute("SELECT pg_notify('outbox', '')")
    return message_id
