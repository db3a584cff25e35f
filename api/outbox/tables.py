"""The outbox: messages that must not be lost, written in the same transaction as the change they announce.

Nothing is sent from inside a request: the worker (``mpp worker``, or the loop inside ``mpp serve``) takes
rows from here and delivers them (push, SMS, in-app inbox) — the notifications issue.
"""

from __future__ import annotations

from piccolo.columns import JSONB, UUID, BigSerial, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class OutboxMessage(Table, tablename="outbox_message"):
    id = BigSerial(primary_key=True)
    created_at = Timestamptz(null=False, default=TimestamptzNow())
    # e.g. application.status_changed, document.verified, document.expiring
    topic = Varchar(length=40, null=False)
    # Which consumer takes it: notify (push, SMS, in-app: api.notifications.worker), lapor (SP4N-LAPOR!
    # hand-off), and the integrations to come (webhooks, back-channel logout). Each claims only its own.
    channel = Varchar(length=16, null=False, default="notify")
    # Whom it concerns (the citizen to notify).
    recipient = UUID(null=True, default=None, index=True)
    # What it is about (an application, a document).
    subject = UUID(null=True, default=None)
    payload = JSONB(null=False, default={})
    attempts = Integer(null=False, default=0)
    next_attempt_at = Timestamptz(null=False, default=TimestamptzNow())
    processed_at = Timestamptz(null=True, default=None)
    last_error = Varchar(length=300, null=True, default=None)
    # Given up on after repeated failures: a region admin can see and replay it.
    dead_at = Timestamptz(null=True, default=None)
