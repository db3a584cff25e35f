"""The delivery worker: outbox (channel ``notify``) → in-app inbox, Web Push to every device, SMS when push cannot
reach.

Several workers on several machines share the work as every outbox consumer does (``api.outbox.consumer``: claimed
batches under a lease, woken by ``NOTIFY outbox`` with a poll as a fallback, surviving database restarts). Delivery
is at-least-once, and the device drops the duplicate by the notification's tag (the message id).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import asyncpg
from webpush import WebPush, WebPushSubscription

from api.lib import metrics, retry
from api.lib.sms import SmsError, SmsGateway
from api.notifications.messages import MAX_PAYLOAD_BYTES, Text, needs_action, render, sms_text
from api.notifications.vapid import Vapid
from api.outbox import consumer

log = logging.getLogger(__name__)

BATCH = 200
LEASE_SECONDS = 30
POLL_SECONDS = 2.0
# Concurrent pushes per worker process: a push service ~50 ms away needs about 50 in flight for 1,000/s.
IN_FLIGHT = 128
MAX_ATTEMPTS = 8
PUSH_TTL_SECONDS = 24 * 3600
SMS_CHANNEL = uuid.UUID(int=0)  # the "device" an SMS went to, in notifications_delivery


CHANNEL = "notify"


def backoff(attempt: int, retry_after: float | None) -> float:
    """Seconds before the next try: exponential (2, 4, 8 … 15 min), never sooner than the service asked."""
    return retry.backoff(attempt, retry_after, first=2.0, most=900.0)


@dataclass
class Outcome:
    retry_after: float | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def transient(self) -> bool:
        return bool(self.errors)


@dataclass(frozen=True)
class Sent:
    """What one push to one device came to. status None: the subscription is unusable; 0: no answer."""

    message: int
    subscription: uuid.UUID
    status: int | None
    error: str | None = None
    retry_after: float | None = None


class Pusher:
    """Encrypts (RFC 8291) with the webpush package and signs VAPID (RFC 8292) once per push service.

    webpush 1.0.6 builds the VAPID ``aud`` from scheme and host only, dropping a non-default port (RFC 8292
    wants the origin), and signs a new JWT for every message. Both are fixed here: the header is signed with
    the endpoint's origin and kept for an hour per origin — at a thousand pushes a second, one signature
    instead of a thousand.
    """

    VAPID_LIFETIME = 12 * 3600
    VAPID_REUSE = 3600

    def __init__(self, vapid: Vapid) -> None:
        self._webpush = WebPush(
            private_key=vapid.private_pem,
            public_key=vapid.public_pem,
            subscriber=vapid.subject,
            ttl=PUSH_TTL_SECONDS,
        )
        self._subject = vapid.subject
        self._session: aiohttp.ClientSession | None = None
        self._headers: dict[str, tuple[float, str]] = {}

    def authorization(self, endpoint: str) -> str:
        parts = urlsplit(endpoint)
        origin = f"{parts.scheme}://{parts.netloc}"
        cached = self._headers.get(origin)
        now = time.monotonic()
        if cached is None or now - cached[0] > self.VAPID_REUSE:
            header = self._webpush.vapid.get_authorization_header(
                endpoint=SimpleNamespace(scheme=parts.scheme, host=parts.netloc),
                subscriber=self._subject,
                expiration=self.VAPID_LIFETIME,
            )
            cached = (now, header)
            self._headers[origin] = cached
        return cached[1]

    def encrypt(self, payload: bytes, endpoint: str, p256dh: str, auth: str) -> tuple[bytes, dict[str, str]]:
        subscription = WebPushSubscription.model_validate(
            {"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}}
        )
        body = self._webpush._encrypt(payload, subscription)
        headers = {
            "ttl": str(PUSH_TTL_SECONDS),
            "content-encoding": "aes128gcm",
            "authorization": self.authorization(endpoint),
        }
        return body, headers

    async def send(self, endpoint: str, body: bytes, headers: dict[str, str]) -> tuple[int, str | None]:
        """POST one message; returns the status and any Retry-After.

        aiohttp (already here for the S3 client) rather than httpx: httpx spent about 2 ms of CPU per push in
        its pool bookkeeping, which held one worker under 500 pushes/s (bench/push_bench.py).
        """
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=IN_FLIGHT, ttl_dns_cache=300),
                timeout=aiohttp.ClientTimeout(total=10, connect=5),
                auto_decompress=False,
            )
        async with self._session.post(endpoint, data=body, headers=headers, allow_redirects=False) as response:
            await response.read()  # push services answer with an empty or tiny body; read it to reuse the connection
            return response.status, response.headers.get("retry-after")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class Deliverer:
    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        vapid: Vapid,
        sms: SmsGateway,
        public_url: str,
        lease_seconds: int = LEASE_SECONDS,
    ) -> None:
        self.pool = pool
        self.lease_seconds = lease_seconds
        self.sms = sms
        self.public_url = public_url
        self.pusher = Pusher(vapid)

    async def close(self) -> None:
        await self.pusher.close()

    async def claim(self) -> list[asyncpg.Record]:
        return await consumer.claim(self.pool, channel=CHANNEL, batch=BATCH, lease_seconds=self.lease_seconds)

    async def run_once(self) -> int:
        """Deliver one batch; returns how many messages it handled."""
        batch = await self.claim()
        if batch:
            try:
                await self.deliver(batch)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                # The leases run out and the messages are taken again (devices drop repeats by tag).
                log.warning("outbox batch of %s: %s", len(batch), exc)
        return len(batch)

    async def deliver(self, batch: list[asyncpg.Record]) -> None:
        """A whole batch in a handful of statements: at a thousand pushes a second, round trips per message
        would cost more than the encryption."""
        people, live, devices = await self._fan_out(batch)
        by_message: dict[int, list[asyncpg.Record]] = {}
        for device in devices:
            by_message.setdefault(device["outbox"], []).append(device)
        outcomes = {row["id"]: Outcome() for row in batch}
        sends: list[Any] = []
        sms: list[Any] = []
        for row in live:
            person = people[row["recipient"]]
            payload = json.loads(row["payload"])
            text = render(row["topic"], payload, person["language"])
            mine = by_message.get(row["id"], [])
            pending = [d for d in mine if not d["delivered"]]
            if pending:
                body = self._payload(row["id"], row["topic"], text, person["language"])
                sends += [self._push(row["id"], device, body, text) for device in pending]
            if not mine and needs_action(row["topic"], payload):
                sms.append(self._sms(row, person["phone"], text, outcomes[row["id"]]))
        for row in batch:
            if row["recipient"] is None and (phone := json.loads(row["payload"]).get("phone")):
                # A phone given at the kiosk with a walk-in ticket (no account): the heads-up can only go by SMS,
                # in Indonesian, the kiosk's language.
                payload = json.loads(row["payload"])
                sms.append(self._sms(row, phone, render(row["topic"], payload, "id"), outcomes[row["id"]]))
        results: list[Sent] = list(await asyncio.gather(*sends)) if sends else []
        await asyncio.gather(*sms)
        async with self.pool.acquire() as conn:
            await self._record(conn, results, outcomes)
            finished = [m for m, outcome in outcomes.items() if not outcome.transient]
            if finished:
                await consumer.finish(conn, finished)
            for row in batch:
                if outcomes[row["id"]].transient:
                    await self._retry(conn, row, outcomes[row["id"]])

    async def _fan_out(
        self, batch: list[asyncpg.Record]
    ) -> tuple[dict[Any, asyncpg.Record], list[asyncpg.Record], list[asyncpg.Record]]:
        """The batch's recipients, the messages for active ones (written to their in-app inboxes here), and the
        push subscriptions of those recipients, each marked whether this message already reached it."""
        recipients = list({row["recipient"] for row in batch if row["recipient"] is not None})
        async with self.pool.acquire() as conn:
            people = {
                r["id"]: r
                for r in await conn.fetch(
                    "SELECT id, language, phone, status FROM accounts_account WHERE id = ANY($1::uuid[])", recipients
                )
            }
            live = [
                row
                for row in batch
                if (person := people.get(row["recipient"])) is not None and person["status"] == "active"
            ]
            if live:
                await conn.execute(
                    """INSERT INTO notifications_notification (id, account, outbox, topic, data, created_at)
                       SELECT id, account, outbox, topic, data::jsonb, created_at
                       FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::text[], $5::text[], $6::timestamptz[])
                           AS n(id, account, outbox, topic, data, created_at)
                       ON CONFLICT (outbox, account) DO NOTHING""",
                    [uuid.uuid4() for _ in live],
                    [row["recipient"] for row in live],
                    [row["id"] for row in live],
                    [row["topic"] for row in live],
                    [row["payload"] for row in live],
                    [row["created_at"] for row in live],
                )
                devices = await conn.fetch(
                    """SELECT m.outbox, s.id, s.endpoint, s.p256dh, s.auth,
                              EXISTS (SELECT 1 FROM notifications_delivery d
                                      WHERE d.outbox = m.outbox AND d.subscription = s.id) AS delivered
                       FROM unnest($1::bigint[], $2::uuid[]) AS m(outbox, account)
                       JOIN notifications_subscription s ON s.account = m.account""",
                    [row["id"] for row in live],
                    [row["recipient"] for row in live],
                )
            else:
                devices = []
        return people, live, devices

    async def _record(self, conn: asyncpg.Connection, results: list[Sent], outcomes: dict[int, Outcome]) -> None:
        delivered = [r for r in results if r.status is not None and 200 <= r.status < 300]
        gone = [r.subscription for r in results if r.status is None or r.status in (404, 410)]
        failed = [r.subscription for r in results if r.error is not None]
        metrics.count_pushes(sent=len(delivered), gone=len(gone), failed=len(failed))
        if delivered:
            await conn.execute(
                """INSERT INTO notifications_delivery (outbox, subscription, delivered_at)
                   SELECT outbox, subscription, now() FROM unnest($1::bigint[], $2::uuid[]) AS d(outbox, subscription)
                   ON CONFLICT DO NOTHING""",
                [r.message for r in delivered],
                [r.subscription for r in delivered],
            )
            await conn.execute(
                "UPDATE notifications_subscription SET last_success_at = now(), failures = 0 "
                "WHERE id = ANY($1::uuid[])",
                list({r.subscription for r in delivered}),
            )
        if gone:
            # The browser unsubscribed (or was uninstalled), or the subscription can never work: forget it.
            await conn.execute("DELETE FROM notifications_subscription WHERE id = ANY($1::uuid[])", gone)
        if failed:
            await conn.execute(
                """UPDATE notifications_subscription s SET failures = s.failures + f.n
                   FROM (SELECT id, count(*) AS n FROM unnest($1::uuid[]) AS id GROUP BY id) AS f WHERE s.id = f.id""",
                failed,
            )
        for r in results:
            outcome = outcomes[r.message]
            if r.error is not None:
                outcome.errors.append(r.error)
                if r.retry_after is not None:
                    outcome.retry_after = max(outcome.retry_after or 0.0, r.retry_after)

    def _payload(self, message_id: int, topic: str, text: Text, lang: str) -> bytes:
        data = {
            "id": message_id,
            "tag": f"mpp-{message_id}",
            "topic": topic,
            "title": text.title,
            "body": text.body,
            "url": text.url,
            "lang": lang,
        }
        encoded = json.dumps(data, ensure_ascii=False).encode()
        if len(encoded) > MAX_PAYLOAD_BYTES:  # never happens with our texts; the limit is a hard one
            data["body"] = text.body[: max(0, len(text.body) - (len(encoded) - MAX_PAYLOAD_BYTES) - 3)] + "…"
            encoded = json.dumps(data, ensure_ascii=False).encode()
        return encoded

    async def _push(self, message_id: int, device: asyncpg.Record, body: bytes, text: Text) -> Sent:
        """One push; the outcome is recorded with the rest of the batch."""
        try:
            encrypted, headers = self.pusher.encrypt(body, device["endpoint"], device["p256dh"], device["auth"])
        except ValueError as exc:  # a malformed subscription key: the subscription can never work
            log.warning("subscription %s unusable: %s", device["id"], exc)
            return Sent(message_id, device["id"], None)
        headers["urgency"] = text.urgency
        if text.topic:
            headers["topic"] = text.topic
        try:
            status, retry_header = await self.pusher.send(device["endpoint"], encrypted, headers)
        except (aiohttp.ClientError, TimeoutError) as exc:
            return Sent(message_id, device["id"], 0, error=type(exc).__name__)
        if 200 <= status < 300 or status in (404, 410):
            return Sent(message_id, device["id"], status)
        retry_after = retry.parse_retry_after(retry_header) if status == 429 or status >= 500 else None
        return Sent(message_id, device["id"], status, error=f"HTTP {status}", retry_after=retry_after)

    async def _sms(self, row: asyncpg.Record, phone: str, text: Text, outcome: Outcome) -> None:
        async with self.pool.acquire() as conn:
            sent = await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM notifications_delivery WHERE outbox = $1 AND subscription = $2)",
                row["id"],
                SMS_CHANNEL,
            )
            if sent:
                return
            try:
                await self.sms.send(phone, sms_text(text, self.public_url))
            except SmsError as exc:
                outcome.errors.append(f"sms: {exc}")
                metrics.count_deliveries("sms_failed")
                return
            metrics.count_deliveries("sms_sent")
            await conn.execute(
                "INSERT INTO notifications_delivery (outbox, subscription, delivered_at) VALUES ($1, $2, now()) "
                "ON CONFLICT DO NOTHING",
                row["id"],
                SMS_CHANNEL,
            )

    async def _retry(self, conn: asyncpg.Connection, row: asyncpg.Record, outcome: Outcome) -> None:
        error = "; ".join(outcome.errors)
        if row["attempts"] >= MAX_ATTEMPTS:
            await consumer.dead(conn, row["id"], error=error)
            log.error("outbox %s dead-lettered after %s attempts: %s", row["id"], row["attempts"], error[:300])
            return
        await consumer.retry(conn, row["id"], delay=backoff(row["attempts"], outcome.retry_after), error=error)

    async def run(self, stop: asyncio.Event, dsn: str) -> None:
        """Deliver until ``stop`` is set; survive database restarts."""
        await consumer.consume(
            dsn, stop, self.run_once, channel=CHANNEL, poll_seconds=POLL_SECONDS, name="delivery worker", logger=log
        )


async def run_worker(
    dsn: str,
    stop: asyncio.Event,
    *,
    vapid: Vapid,
    sms: SmsGateway,
    public_url: str,
    lease_seconds: int = LEASE_SECONDS,
) -> None:
    """The whole worker, with its own small pool (separate from the API's)."""
    pool = await consumer.open_pool(dsn, stop, max_size=8, name="delivery worker")
    if pool is None:
        return
    deliverer = Deliverer(pool, vapid=vapid, sms=sms, public_url=public_url, lease_seconds=lease_seconds)
    try:
        await deliverer.run(stop, dsn)
    finally:
        await deliverer.close()
        await pool.close()
