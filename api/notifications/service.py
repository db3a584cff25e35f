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
from api.lib.wire import Input, Struct, from_row
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


class SubscriptionTakenError(DomainError):
    """The endpoint is another account's, and the request did not show its keys (see ``subscribe``)."""

    status = 409
    code = "subscription_taken"
    detail = "This device is registered for notifications by another account."


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
    """Add a device, or update it: one row per endpoint.

    An endpoint already held by another account moves only when the request proves it comes from the browser that
    holds the subscription: the same ``auth`` secret and ``p256dh`` key. Those two are shared by the browser and
    our server alone (RFC 8291 keeps them from the push service), and a browser re-subscribing returns the same
    subscription, so a second account signing in on the same browser profile (a family's shared phone) passes and
    the device follows whoever uses it now — one row, so the previous holder's notifications stop appearing on a
    screen someone else is using. Whoever merely learnt the endpoint (a log, the push service) cannot show the
    keys, and is refused with 409 instead of taking the device over: had the row moved, the holder's device
    would silently go quiet and receive the newcomer's messages. Keeping one row per account and endpoint was
    the other choice; it would push one person's notifications to a screen another person is signed in on.
    """
    check_endpoint(data.endpoint, test_hosts)
    check_keys(data.keys)
    row = await conn.fetchrow(
        """INSERT INTO notifications_subscription (id, account, endpoint, p256dh, auth, user_agent, created_at,
                                                   failures)
           VALUES ($1, $2, $3, $4, $5, $6, now(), 0)
           ON CONFLICT (endpoint) DO UPDATE SET account = EXCLUDED.account, p256dh = EXCLUDED.p256dh,
               auth = EXCLUDED.auth, user_agent = EXCLUDED.user_agent, failures = 0
           WHERE notifications_subscription.account = EXCLUDED.account
              OR (notifications_subscription.auth = EXCLUDED.auth
                  AND notifications_subscription.p256dh = EXCLUDED.p256dh)
           RETURNING id, created_at""",
        uuid.uuid4(),
        account,
        data.endpoint,
        data.keys.p256dh,
        data.keys.auth,
        user_agent[:300],
    )
    if row is None:  # the WHERE above kept another account's row as it was
        raise SubscriptionTakenError()
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
    marked = int(result.split()[-1])
    if notification is not None and not marked:
        # Nothing to mark: mine and read already (fine), or not mine at all (404, as for any other's object).
        mine = await conn.fetchval(
            "SELECT 1 FROM notifications_notification WHERE id = $1 AND account = $2", notification, account
        )
        if mine is None:
            raise NotFoundError("notification")
    return marked


async def dead_letters(conn: asyncpg.Connection, *, region: str | None) -> DeadLetterList:
    rows = await conn.fetch(
        """SELECT id, topic, created_at, attempts, dead_at, last_error, payload->>'region' AS region
           FROM outbox_message WHERE dead_at IS NOT NULL AND ($1::text IS NULL OR payload->>'region' = $1)
           ORDER BY dead_at DESC LIMIT 500""",
        region,
    )
    items = [from_row(DeadLetter, r) for r in rows]
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


# --- data rights (UU PDP): the export's and the erasure's part of notifications ---------------------------


async def export_rows(conn: asyncpg.Connection, *, account: uuid.UUID, lang: str) -> dict[str, list[dict[str, object]]]:
    """The in-app inbox with each message's text as the citizen reads it, and the devices that get pushes.

    A device's push endpoint and keys are capabilities (whoever holds them can push to the phone): the export
    names the push service only, with what the browser told us and when it last got a message.
    """
    rows = await conn.fetch(
        "SELECT * FROM notifications_notification WHERE account = $1 ORDER BY created_at, id", account
    )
    inbox: list[dict[str, object]] = []
    for r in rows:
        text = render(r["topic"], json.loads(r["data"]), lang)
        inbox.append(
            {
                "id": r["id"],
                "topic": r["topic"],
                "title": text.title,
                "body": text.body,
                "url": text.url,
                "createdAt": r["created_at"],
                "readAt": r["read_at"],
            }
        )
    devices = await conn.fetch(
        "SELECT id, endpoint, user_agent, created_at, last_success_at FROM notifications_subscription "
        "WHERE account = $1 ORDER BY created_at",
        account,
    )
    return {
        "inbox": inbox,
        "pushDevices": [
            {
                "id": d["id"],
                "pushService": urlsplit(d["endpoint"]).hostname or "",
                "userAgent": d["user_agent"],
                "createdAt": d["created_at"],
                "lastSuccessAt": d["last_success_at"],
            }
            for d in devices
        ],
    }


async def erase(conn: asyncpg.Connection, *, account: uuid.UUID) -> dict[str, int]:
    """Delete an erased account's inbox, its push subscriptions and their delivery marks. Returns counts."""
    deliveries: str = await conn.execute(
        "DELETE FROM notifications_delivery WHERE subscription IN "
        "(SELECT id FROM notifications_subscription WHERE account = $1)",
        account,
    )
    subscriptions: str = await conn.execute("DELETE FROM notifications_subscription WHERE account = $1", account)
    inbox: str = await conn.execute("DELETE FROM notifications_notification WHERE account = $1", account)
    return {
        "notifications": int(inbox.split()[-1]),
        "pushSubscriptions": int(subscriptions.split()[-1]),
        "deliveries": int(deliveries.split()[-1]),
    }
