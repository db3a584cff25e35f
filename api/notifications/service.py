"""Push subscriptions, the in-app inbox, and the dead-letter list. No HTTP here."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from typing import Annotated
from urllib.parse import urlsplit

import asyncpg
import msgspec

from api.lib.errors import DomainError, NotFoundError
from api.lib.wire import Input, Struct
from api.notifications.messages import render

# The browser push services (Chrome/Android, Firefox, Safari, Edge): our server posts nowhere else.
PUSH_SERVICE_SUFFIXES = (
    "fcm.googleapis.com",
    "android.googleapis.com",
    "push.services.mozilla.com",
    "push.apple.com",
    "notify.windows.com",
)


class SubscriptionKeys(Input):
    p256dh: Annotated[str, msgspec.Meta(min_length=20, max_length=120)]
    auth: Annotated[str, msgspec.Meta(min_length=8, max_length=40)]


class SubscriptionIn(msgspec.Struct, rename="camel", forbid_unknown_fields=False):
    """A browser's PushSubscription.toJSON() (expirationTime and future fields are accepted and ignored)."""

    endpoint: Annotated[str, msgspec.Meta(min_length=10, max_length=1000)]
    keys: SubscriptionKeys


class SubscriptionOut(Struct):
    id: uuid.UUID
    created_at: dt.datetime


class InboxItem(Struct):
    id: uuid.UUID
    topic: str
    title: str
    body: str
    url: str
    created_at: dt.datetime
    read: bool


class Inbox(Struct):
    items: list[InboxItem]
    total: int
    unread: int
    page: int = 1
    page_size: int = 20


class DeadLetter(Struct):
    id: int
    topic: str
    created_at: dt.datetime
    attempts: int
    dead_at: dt.datetime
    last_error: str | None = None
    region: str | None = None


class DeadLetterList(Struct):
    items: list[DeadLetter]
    total: int


class InvalidSubscriptionError(DomainError, ValueError):
    """Not a push service we post to, or keys that cannot be."""

    status = 422
    code = "invalid_subscription"


def _b64(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def check_endpoint(endpoint: str, test_hosts: tuple[str, ...]) -> None:
    """Refuse any address but a browser push service's: our server must never be made to post anywhere."""
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    if parts.username or parts.password:
        raise InvalidSubscriptionError("the endpoint must not carry credentials")
    if host in test_hosts and parts.scheme in ("http", "https"):
        return
    if parts.scheme != "https" or parts.port not in (None, 443):
        raise InvalidSubscriptionError("the endpoint must be an https URL of a browser push service")
    if not any(host == s or host.endswith("." + s) for s in PUSH_SERVICE_SUFFIXES):
        raise InvalidSubscriptionError("the endpoint is not a known browser push service")


def check_keys(keys: SubscriptionKeys) -> None:
    try:
        point, secret = _b64(keys.p256dh), _b64(keys.auth)
    except ValueError as exc:
        raise InvalidSubscriptionError("the subscription keys are not base64url") from exc
    if len(point) != 65 or point[0] != 4 or len(secret) != 16:
        raise InvalidSubscriptionError("the subscription keys are not a P-256 key and a 16-byte secret")


async def subscribe(
    conn: asyncpg.Connection, *, account: uuid.UUID, data: SubscriptionIn, user_agent: str, test_hosts: tuple[str, ...]
) -> SubscriptionOut:
    """Add a device, or update it: one row per endpoint (a browser re-subscribing, or a shared device changing
    hands — the endpoint then belongs to whoever subscribed last)."""
    check_endpoint(data.endpoint, test_hosts)
    check_keys(data.keys)
    row = await conn.fetchrow(
        """INSERT INTO notifications_subscription (id, account, endpoint, p256dh, auth, user_agent, created_at,
                                                   failures)
           VALUES ($1, $2, $3, $4, $5, $6, now(), 0)
           ON CONFLICT (endpoint) DO UPDATE SET account = EXCLUDED.account, p256dh = EXCLUDED.p256dh,
               auth = EXCLUDED.auth, user_agent = EXCLUDED.user_agent, failures = 0
           RETURNING id, created_at""",
        uuid.uuid4(),
        account,
        data.endpoint,
        data.keys.p256dh,
        data.keys.auth,
        user_agent[:300],
    )
    return SubscriptionOut(id=row["id"], created_at=row["created_at"])


async def unsubscribe(
    conn: asyncpg.Connection, *, account: uuid.UUID, endpoint: str | None, subscription: uuid.UUID | None
) -> None:
    result: str = await conn.execute(
        "DELETE FROM notifications_subscription WHERE account = $1 AND (endpoint = $2 OR id = $3)",
        account,
        endpoint,
        subscription,
    )
    if result.endswith(" 0"):
        raise NotFoundError("subscription")


async def inbox(conn: asyncpg.Connection, *, account: uuid.UUID, lang: str, page: int, page_size: int) -> Inbox:
    rows = await conn.fetch(
        """SELECT * FROM notifications_notification WHERE account = $1 ORDER BY created_at DESC, id
           LIMIT $2 OFFSET $3""",
        account,
        page_size,
        (page - 1) * page_size,
    )
    counts = await conn.fetchrow(
        "SELECT count(*) AS total, count(*) FILTER (WHERE read_at IS NULL) AS unread "
        "FROM notifications_notification WHERE account = $1",
        account,
    )
    items = []
    for r in rows:
        text = render(r["topic"], json.loads(r["data"]), lang)
        items.append(
            InboxItem(
                id=r["id"],
                topic=r["topic"],
                title=text.title,
                body=text.body,
                url=text.url,
                created_at=r["created_at"],
                read=r["read_at"] is not None,
            )
        )
    return Inbox(items=items, total=counts["total"], unread=counts["unread"], page=page, page_size=page_size)


async def mark_read(conn: asyncpg.Connection, *, account: uuid.UUID, notification: uuid.UUID | None) -> int:
    result: str = await conn.execute(
        "UPDATE notifications_notification SET read_at = now() "
        "WHERE account = $1 AND read_at IS NULL AND ($2::uuid IS NULL OR id = $2)",
        account,
        notification,
    )
    return int(result.split()[-1])


async def dead_letters(conn: asyncpg.Connection, *, region: str | None) -> DeadLetterList:
    rows = await conn.fetch(
        """SELECT id, topic, created_at, attempts, dead_at, last_error, payload->>'region' AS region
           FROM outbox_message WHERE dead_at IS NOT NULL AND ($1::text IS NULL OR payload->>'region' = $1)
           ORDER BY dead_at DESC LIMIT 500""",
        region,
    )
    items = [
        DeadLetter(
            id=r["id"],
            topic=r["topic"],
            created_at=r["created_at"],
            attempts=r["attempts"],
            dead_at=r["dead_at"],
            last_error=r["last_error"],
            region=r["region"],
        )
        for r in rows
    ]
    return DeadLetterList(items=items, total=len(items))


async def replay(conn: asyncpg.Connection, *, message: int, region: str | None) -> None:
    """Give a dead letter another full set of attempts."""
    result: str = await conn.execute(
        """UPDATE outbox_message SET dead_at = NULL, attempts = 0, next_attempt_at = now(), last_error = NULL
           WHERE id = $1 AND dead_at IS NOT NULL AND ($2::text IS NULL OR payload->>'region' = $2)""",
        message,
        region,
    )
    if result.endswith(" 0"):
        raise NotFoundError("dead letter")
    await conn.execute("SELECT pg_notify('outbox', '')")
