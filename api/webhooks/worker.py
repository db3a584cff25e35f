"""The webhook worker: outbox channel ``webhook`` → one delivery per matching endpoint → a signed POST.

Two steps, each claiming its rows under a lease (``FOR UPDATE SKIP LOCKED``), so any number of workers share them:

1. *Expansion*: each message (an application, document or queue event, written by ``api.outbox.service.enqueue``
   in the transaction of the change) becomes one ``webhooks_delivery`` row per active endpoint of the agency the
   event concerns, in one statement that finds that agency too (``_EXPAND``: for an application, its service's agency;
   for a queue ticket, its agency; for a booking, its service's; for a document, the agency of its last review), with
   ``ON CONFLICT DO NOTHING``, so a message expanded twice (a lease that ran out) adds nothing. Reading those
   domains' tables here is a deliberate exception to the architecture's rule 3: it keeps the fan-out one statement.
2. *Delivery*: due deliveries are POSTed (aiohttp, no redirects, addresses checked by ``urls.GuardedResolver``) with
   Standard Webhooks headers: ``webhook-id`` stable per (message, endpoint), so a retry or replay is recognisable;
   ``webhook-timestamp`` of the attempt, so a receiver's five-minute window holds for a retry hours later; and
   ``webhook-signature`` with one ``v1,…`` per live secret (two during a rotation). A 2xx delivers; a 4xx other than
   408 and 429, or a refused address, is dead at once; anything else is retried with backoff (honouring Retry-After)
   for about 12 hours, then dead. Outcomes of a batch are written in one statement.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time
import uuid
from collections.abc import Iterable
from typing import Any

import aiohttp
import asyncpg
import msgspec
from standardwebhooks import Webhook

from api.config import Settings
from api.lib import retry
from api.lib.crypto import CryptoError, MasterKeys, load_master_keys
from api.outbox import consumer
from api.webhooks.service import live_secrets, open_secrets
from api.webhooks.urls import GuardedResolver, RefusedAddressError, check_target

log = logging.getLogger(__name__)

CHANNEL = "webhook"
BATCH = 200
IN_FLIGHT = 100
POLL_SECONDS = 5.0
TIMEOUT_SECONDS = 10.0
# First 5 s, doubling up to an hour: 22 attempts span about 12 hours (5115 s, then 11 hours).
FIRST_DELAY = 5.0
MOST_DELAY = 3600.0
MAX_ATTEMPTS = 22
USER_AGENT = "MPP-Digital-Webhooks/1"

_EXPAND = """
WITH m AS (SELECT id, topic, payload, created_at FROM outbox_message WHERE id = ANY($1::bigint[])),
target AS (
    SELECT m.id AS message, s.agency
    FROM m JOIN applications_application a ON a.id = (m.payload->>'application')::uuid
           JOIN catalogue_service s ON s.id = a.service
    WHERE m.topic LIKE 'application.%'
    UNION ALL
    SELECT m.id, t.agency FROM m JOIN queue_ticket t ON t.id = (m.payload->>'ticket')::uuid
    WHERE m.topic LIKE 'queue.%'
    UNION ALL
    SELECT m.id, s.agency
    FROM m JOIN queue_booking b ON b.id = (m.payload->>'booking')::uuid JOIN catalogue_service s ON s.id = b.service
    WHERE m.topic LIKE 'queue.%'
    UNION ALL
    SELECT m.id, g.id
    FROM m CROSS JOIN LATERAL (
             SELECT e.detail->>'agency' AS code FROM wallet_document_event e
             WHERE e.document = (m.payload->>'document')::uuid AND e.detail ? 'agency'
             ORDER BY e.at DESC, e.id DESC LIMIT 1) last
           JOIN catalogue_agency g ON g.code = last.code AND g.region = m.payload->>'region'
    WHERE m.topic LIKE 'document.%')
INSERT INTO webhooks_delivery
    (message, endpoint, topic, payload, event_at, created_at, status, attempts, next_attempt_at)
SELECT DISTINCT m.id, e.id, m.topic, m.payload, m.created_at, now(), 'pending', 0, now()
FROM target t JOIN m ON m.id = t.message JOIN webhooks_endpoint e ON e.agency = t.agency AND e.status = 'active'
ON CONFLICT (message, endpoint) DO NOTHING
"""

_CLAIM = """
UPDATE webhooks_delivery d SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $2)
FROM webhooks_endpoint e
WHERE e.id = d.endpoint AND d.id IN (
    SELECT d2.id FROM webhooks_delivery d2 JOIN webhooks_endpoint e2 ON e2.id = d2.endpoint
    WHERE d2.status = 'pending' AND d2.next_attempt_at <= now() AND e2.status = 'active'
    ORDER BY d2.next_attempt_at, d2.id LIMIT $1 FOR UPDATE OF d2 SKIP LOCKED)
RETURNING d.id, d.endpoint, d.topic, d.payload, d.event_at, d.attempts, e.url, e.secrets_sealed, e.secrets_key,
          e.previous_until
"""

_OUTCOMES = """
UPDATE webhooks_delivery d SET
    status = CASE r.outcome WHEN 'ok' THEN 'delivered' WHEN 'dead' THEN 'dead' ELSE 'pending' END,
    delivered_at = CASE WHEN r.outcome = 'ok' THEN now() END,
    dead_at = CASE WHEN r.outcome = 'dead' THEN now() END,
    next_attempt_at = CASE WHEN r.outcome = 'retry' THEN now() + make_interval(secs => r.delay)
                           ELSE d.next_attempt_at END,
    last_error = r.error, response_status = r.status, latency_ms = r.ms
FROM unnest($1::uuid[], $2::text[], $3::int[], $4::int[], $5::float8[], $6::text[])
     AS r(id, outcome, status, ms, delay, error)
WHERE d.id = r.id
"""


def webhook_id(delivery: uuid.UUID) -> str:
    """The ``webhook-id`` of a delivery: the same on every attempt and replay of one message to one endpoint."""
    return f"msg_{delivery.hex}"


def body_of(topic: str, event_at: dt.datetime, payload: Any) -> bytes:
    """The POSTed JSON, Standard Webhooks' shape: the event type, its time, and its data (ids and statuses)."""
    data = json.loads(payload) if isinstance(payload, str) else payload
    return msgspec.json.encode({"type": topic, "timestamp": event_at.isoformat(), "data": data})


class WebhookWorker:
    def __init__(
        self,
        pool: asyncpg.Pool,
        keys: MasterKeys,
        *,
        http: aiohttp.ClientSession,
        test_hosts: Iterable[str] = (),
        lease_seconds: float = 30.0,
        first_delay: float = FIRST_DELAY,
        most_delay: float = MOST_DELAY,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.pool = pool
        self.keys = keys
        self.http = http
        self.test_hosts = tuple(test_hosts)
        self.lease_seconds = lease_seconds
        self.first_delay, self.most_delay, self.max_attempts = first_delay, most_delay, max_attempts
        self._in_flight = asyncio.Semaphore(IN_FLIGHT)
        # Opened secrets by their sealed bytes (a rotation changes the bytes, so nothing stale is ever used).
        self._secrets: dict[bytes, dict[str, Any]] = {}

    async def run_once(self) -> int:
        """One expansion batch and one delivery batch; how many rows they took (0: nothing was due)."""
        return await self.expand() + await self.deliver()

    async def expand(self) -> int:
        messages = await consumer.claim(self.pool, channel=CHANNEL, batch=BATCH, lease_seconds=self.lease_seconds)
        if not messages:
            return 0
        ids = [m["id"] for m in messages]
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                await conn.execute(_EXPAND, ids)
                await consumer.finish(conn, ids)
        except asyncpg.DataError as exc:
            # A payload whose ids do not read (not one of ours): dead letters, so the rest of the batch flows.
            log.warning("webhooks: a batch failed to expand, one by one now: %s", exc)
            for one in ids:
                await self._expand_one(one)
        return len(ids)

    async def _expand_one(self, message: int) -> None:
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                await conn.execute(_EXPAND, [message])
                await consumer.finish(conn, [message])
        except asyncpg.DataError as exc:
            await consumer.dead(self.pool, message, error=f"{type(exc).__name__}: {exc}")

    async def deliver(self) -> int:
        rows = await self.pool.fetch(_CLAIM, BATCH, self.lease_seconds)
        if not rows:
            return 0
        outcomes = await asyncio.gather(*(self._one(row) for row in rows))
        columns: list[list[Any]] = [list(c) for c in zip(*outcomes, strict=True)]
        await self.pool.execute(_OUTCOMES, *columns)
        return len(rows)

    async def _one(self, row: asyncpg.Record) -> tuple[uuid.UUID, str, int | None, int | None, float, str | None]:
        """(delivery, outcome ok/retry/dead, HTTP status, milliseconds, retry delay, error)."""
        async with self._in_flight:
            status: int | None = None
            retry_after: float | None = None
            started = time.perf_counter()
            try:
                body = body_of(row["topic"], row["event_at"], row["payload"])
                headers = self._headers(row, body)
                check_target(row["url"], self.test_hosts)
                async with self.http.post(
                    row["url"],
                    data=body,
                    headers=headers,
                    allow_redirects=False,
                    timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS),
                ) as answer:
                    status = answer.status
                    retry_after = retry.parse_retry_after(answer.headers.get("Retry-After"))
                    await answer.read()
                error = None if 200 <= status < 300 else f"HTTP {status}"
                permanent = 400 <= status < 500 and status not in (408, 429)
            except (aiohttp.ClientError, TimeoutError, OSError, CryptoError) as exc:
                refused = isinstance(exc, (RefusedAddressError, CryptoError)) or isinstance(
                    getattr(exc, "os_error", None), RefusedAddressError
                )
                error, permanent = f"{type(exc).__name__}: {exc}"[: consumer.MAX_ERROR], refused
            ms = round((time.perf_counter() - started) * 1000)
            if error is None:
                return row["id"], "ok", status, ms, 0.0, None
            if permanent or row["attempts"] >= self.max_attempts:
                return row["id"], "dead", status, ms, 0.0, error
            delay = retry.backoff(
                row["attempts"], retry_after, first=self.first_delay, most=self.most_delay, most_retry_after=3600.0
            )
            return row["id"], "retry", status, ms, delay, error

    def _headers(self, row: asyncpg.Record, body: bytes) -> dict[str, str]:
        sealed: bytes = row["secrets_sealed"]
        held = self._secrets.get(sealed)
        if held is None:
            if len(self._secrets) > 10_000:
                self._secrets.clear()
            held = self._secrets[sealed] = open_secrets(row["endpoint"], sealed, row["secrets_key"], self.keys)
        now = dt.datetime.now(dt.UTC)
        msg_id = webhook_id(row["id"])
        signatures = [Webhook(s).sign(msg_id, now, body) for s in live_secrets(held, row["previous_until"], now)]
        return {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": " ".join(signatures),
        }


def http_session(test_hosts: Iterable[str]) -> aiohttp.ClientSession:
    """The worker's client: its resolver refuses private addresses (but for test hosts); no cookies kept."""
    connector = aiohttp.TCPConnector(resolver=GuardedResolver(test_hosts), limit=IN_FLIGHT)
    return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())


async def run_worker(dsn: str, stop: asyncio.Event, settings: Settings) -> None:
    """Deliver webhooks until ``stop`` is set (``mpp worker``, or inside ``mpp serve``)."""
    pool = await consumer.open_pool(dsn, stop, max_size=4, name="webhooks")
    if pool is None:
        return
    test_hosts = settings.notify.webhook_test_hosts
    try:
        async with http_session(test_hosts) as http:
            worker = WebhookWorker(
                pool,
                load_master_keys(settings),
                http=http,
                test_hosts=test_hosts,
                lease_seconds=settings.notify.outbox_lease_seconds,
            )
            await consumer.consume(
                dsn,
                stop,
                worker.run_once,
                name="webhooks",
                channel=CHANNEL,
                poll_seconds=POLL_SECONDS,
                survive_bugs=True,
            )
    finally:
        await pool.close()
