"""Writing to the outbox. Always inside the transaction of the change: both happen, or neither."""

from __future__ import annotations

import json
import uuid
from typing import Any

import asyncpg

# Events the agencies' own systems hear about by webhook (channel ``webhook``), and what of their payload they get:
# ids, numbers and statuses only, never names, phones, NIKs or follow tokens (the receiver fetches details with its
# service account). The webhook row names no recipient nor subject (its payload names the case), so that whatever
# reads a citizen's or a case's messages sees only the notification's.
WEBHOOK_TOPICS = ("application.", "document.", "queue.")
WEBHOOK_FIELDS = frozenset(
    {"application", "number", "service", "region", "status", "document", "ticket", "booking", "from", "to", "day"}
)

_WITH_WEBHOOK = """WITH queued AS (
       INSERT INTO outbox_message
           (created_at, topic, channel, recipient, subject, payload, attempts, next_attempt_at)
       VALUES (now(), $1, $5, $2, $3, $4::jsonb, 0, now()) RETURNING id),
   hooked AS (
       INSERT INTO outbox_message
           (created_at, topic, channel, recipient, subject, payload, attempts, next_attempt_at)
       VALUES (now(), $1, 'webhook', NULL, NULL, $6::jsonb, 0, now()))
   SELECT id FROM queued, pg_notify('outbox', $5) AS told, pg_notify('outbox', 'webhook') AS hooked_told"""


def webhook_payload(topic: str, payload: dict[str, Any]) -> dict[str, Any] | None:
    """What the webhook message of this event carries (None: the event is not one agencies hear about)."""
    if not topic.startswith(WEBHOOK_TOPICS):
        return None
    return {key: value for key, value in payload.items() if key in WEBHOOK_FIELDS}


async def enqueue(
    conn: asyncpg.Connection,
    *,
    topic: str,
    recipient: uuid.UUID | None,
    subject: uuid.UUID | None,
    payload: dict[str, Any],
    channel: str = "notify",
) -> int:
    hook = webhook_payload(topic, payload) if channel == "notify" else None
    if hook is not None:
        # The agencies' webhooks (api/webhooks) hear of the same event, in the same transaction and round trip.
        data, hook_data = json.dumps(payload, default=str), json.dumps(hook, default=str)
        hooked: int = await conn.fetchval(_WITH_WEBHOOK, topic, recipient, subject, data, channel, hook_data)
        return hooked
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
