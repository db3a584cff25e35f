"""The SP4N-LAPOR! hand-off worker: forwards complaints from the outbox (channel ``lapor``) and pulls their status.

Forwarding is an outbox consumer like the notifications worker (``api.outbox.consumer``): a batch is claimed by
pushing its rows' ``next_attempt_at`` a lease into the future in one ``UPDATE … FOR UPDATE SKIP LOCKED``, so any
number of workers share the channel; a worker that dies lets its lease run out and another takes the rows again.
The complaint is read when it is sent (a complaint withdrawn or whose author was erased meanwhile is not sent at
all), and what is sent never names the complainant. SP4N-LAPOR! recognises a repeat by our complaint id, so a retry
after a lost answer files nothing twice. Success sets ``lapor_id``/``lapor_status``, writes the ``forwarded`` event
and marks the message processed, in one transaction. Transient failures are retried with backoff for about a day; a
permanent refusal (a 4xx) is dead-lettered at once with its error, where a region admin sees it and can replay it.

The status pull asks, every ``MPP_LAPOR_PULL_MINUTES``, for the status of each open forwarded complaint not checked
within that time. Rows are claimed by an UPDATE of ``lapor_checked_at`` (two workers never ask for the same
complaint), and a change is recorded once: the update is conditional on the status still being the old one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import uuid
from typing import Any

import asyncpg

from api.config import Settings
from api.feedback.lapor import CHANNEL, client_for
from api.feedback.lapor_client import HandOffFailed, Lapor, Outgoing
from api.lib import retry
from api.outbox import consumer

log = logging.getLogger(__name__)

BATCH = 20
IN_FLIGHT = 8
LEASE_SECONDS = 60
POLL_SECONDS = 5.0
# 30 s, 1, 2, 4 … minutes, then hourly: 24 attempts span about 18 hours, through a long outage on their side.
MAX_ATTEMPTS = 24
FIRST_DELAY = 30.0
MAX_DELAY = 3600.0
# A Retry-After beyond this is taken as this (a mistyped header must not park a complaint for a month).
MAX_RETRY_AFTER = 6 * 3600.0
PULL_BATCH = 100
TITLE_LENGTH = 150


def backoff(attempt: int, retry_after: float | None) -> float:
    """Seconds before the next try after ``attempt`` failed tries: never sooner than the service asked."""
    return retry.backoff(attempt, retry_after, first=FIRST_DELAY, most=MAX_DELAY, most_retry_after=MAX_RETRY_AFTER)


_COMPLAINT = """
SELECT c.id, c.number, c.category, c.text, c.anonymous, c.status, c.close_reason, c.created_at, c.lapor_id,
       c.region, c.account, g.code AS agency_code, g.name_id AS agency_name, s.name_id AS service_name,
       a.status AS account_status
FROM feedback_complaint c
JOIN catalogue_agency g ON g.id = c.agency
LEFT JOIN catalogue_service s ON s.id = c.service
LEFT JOIN accounts_account a ON a.id = c.account
WHERE c.id = $1
"""

_FORWARDED = """
WITH done AS (
    UPDATE feedback_complaint SET lapor_id = $2, lapor_status = $3, lapor_checked_at = $4
    WHERE id = $1 AND lapor_id IS NULL
    RETURNING id, status)
INSERT INTO feedback_complaint_event (complaint, at, actor, actor_role, from_status, to_status, action, text, detail)
SELECT id, $4, NULL, 'lapor', status, status, 'forwarded', $2, $5::jsonb FROM done
"""

# Open complaints (not closed) that SP4N-LAPOR! knows, not asked about within the interval: claimed by stamping
# lapor_checked_at, so a second worker skips them (locked now, or recent once committed).
_PULL_CLAIM = """
UPDATE feedback_complaint SET lapor_checked_at = $1
WHERE id IN (SELECT id FROM feedback_complaint
             WHERE lapor_id IS NOT NULL AND status <> 'closed'
               AND (lapor_checked_at IS NULL OR lapor_checked_at <= $1::timestamptz - make_interval(secs => $2))
             ORDER BY lapor_checked_at NULLS FIRST, id LIMIT $3 FOR UPDATE SKIP LOCKED)
RETURNING id, lapor_id, lapor_status
"""

_STATUS_CHANGED = """
WITH changed AS (
    UPDATE feedback_complaint SET lapor_status = $2
    WHERE id = $1 AND lapor_status IS NOT DISTINCT FROM $3
    RETURNING id, status)
INSERT INTO feedback_complaint_event (complaint, at, actor, actor_role, from_status, to_status, action, text, detail)
SELECT id, $4, NULL, 'lapor', status, status, 'lapor_status', $2, $5::jsonb FROM changed
"""


def outgoing(row: asyncpg.Record) -> Outgoing:
    """What SP4N-LAPOR! receives of a complaint: the text, the category, the agency and region — never the
    complainant (no name, phone or NIK: their follow-up goes through us), whether anonymous or not."""
    subject = f"layanan {row['service_name']}" if row["service_name"] else row["agency_name"]
    title = f"Pengaduan {row['number']}: {subject}"
    if len(title) > TITLE_LENGTH:
        title = title[: TITLE_LENGTH - 1] + "…"
    return Outgoing(
        external_id=str(row["id"]),
        number=row["number"],
        category=row["category"],
        title=title,
        content=row["text"],
        agency_code=row["agency_code"],
        region_code=row["region"],
        anonymous=row["anonymous"],
        created_at=row["created_at"],
    )


def not_to_send(row: asyncpg.Record | None) -> str | None:
    """Why a complaint is not (or no longer) to be forwarded, or None to send it."""
    if row is None:
        return "complaint gone"
    if row["lapor_id"] is not None:
        return "already forwarded"
    if row["close_reason"] == "withdrawn":
        return "withdrawn"
    # Erasure unlinks the complaints from the account (api.feedback.personal_data); every complaint is filed by one.
    if row["account"] is None or row["account_status"] == "deleted":
        return "complainant erased"
    return None


class Forwarder:
    def __init__(
        self,
        pool: asyncpg.Pool,
        lapor: Lapor,
        *,
        lease_seconds: int = LEASE_SECONDS,
        pull_minutes: int = 30,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.pool = pool
        self.lapor = lapor
        self.lease_seconds = lease_seconds
        self.pull_interval = dt.timedelta(minutes=pull_minutes)
        self.max_attempts = max_attempts
        self._in_flight = asyncio.Semaphore(IN_FLIGHT)
        self._next_pull = 0.0  # the event loop's time of the next status pull

    # --- forwarding -----------------------------------------------------------------------------------------

    async def claim(self) -> list[asyncpg.Record]:
        return await consumer.claim(self.pool, channel=CHANNEL, batch=BATCH, lease_seconds=self.lease_seconds)

    async def run_once(self) -> int:
        """Forward one batch; returns how many messages it took."""
        batch = await self.claim()
        if batch:
            results = await asyncio.gather(*(self._guarded(row) for row in batch), return_exceptions=True)
            for row, result in zip(batch, results, strict=True):
                if isinstance(result, (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)):
                    # The lease runs out and the message is taken again (SP4N-LAPOR! recognises the repeat).
                    log.warning("lapor: message %s: %s", row["id"], result)
                elif isinstance(result, BaseException):
                    raise result
        return len(batch)

    async def _guarded(self, message: asyncpg.Record) -> None:
        async with self._in_flight:
            try:
                await self.forward(message)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                raise
            except Exception as exc:
                # A bug of ours on one complaint: that message backs off and is dead-lettered in the end, and the
                # rest of the batch goes on.
                log.exception("lapor: message %s", message["id"])
                await self._retry(message, HandOffFailed(f"internal: {type(exc).__name__}: {exc}", transient=True))

    async def forward(self, message: asyncpg.Record) -> None:
        payload: dict[str, Any] = json.loads(message["payload"])
        if message["topic"] != "lapor.forward":
            await self._dead(message, f"unknown topic {message['topic']}")
            return
        try:
            complaint_id = uuid.UUID(str(payload.get("complaint")))
        except ValueError:
            await self._dead(message, "payload names no complaint")
            return
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(_COMPLAINT, complaint_id)
        skip = not_to_send(row)
        if skip is not None or row is None:
            log.info("lapor: complaint %s not forwarded: %s", complaint_id, skip)
            await self._finish(message)
            return
        try:
            filed = await self.lapor.file(outgoing(row))
        except HandOffFailed as failure:
            if failure.transient:
                await self._retry(message, failure)
            else:
                await self._dead(message, failure.reason)
            return
        now = dt.datetime.now(dt.UTC)
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                _FORWARDED,
                complaint_id,
                filed.tracking_id,
                filed.status,
                now,
                json.dumps({"trackingId": filed.tracking_id, "status": filed.status}),
            )
            await consumer.finish(conn, [message["id"]])

    async def _finish(self, message: asyncpg.Record) -> None:
        await consumer.finish(self.pool, [message["id"]])

    async def _dead(self, message: asyncpg.Record, error: str) -> None:
        await consumer.dead(self.pool, message["id"], error=error)
        log.error("lapor: message %s dead-lettered: %s", message["id"], error)

    async def _retry(self, message: asyncpg.Record, failure: HandOffFailed) -> None:
        if message["attempts"] >= self.max_attempts:
            await self._dead(message, f"{message['attempts']} attempts; last: {failure.reason}")
            return
        delay = backoff(message["attempts"], failure.retry_after)
        await consumer.retry(self.pool, message["id"], delay=delay, error=failure.reason)
        if failure.reason.startswith(("HTTP 401", "HTTP 403")):
            log.error("lapor: refused our credentials (check MPP_LAPOR_TOKEN): %s", failure.reason)
        log.info("lapor: message %s failed (%s), next try in %.0f s", message["id"], failure.reason, delay)

    # --- status pull ----------------------------------------------------------------------------------------

    async def pull_once(self, *, now: dt.datetime | None = None) -> int:
        """Ask for the status of one batch of due complaints; returns how many were asked about."""
        now = now or dt.datetime.now(dt.UTC)
        async with self.pool.acquire() as conn:
            due = await conn.fetch(_PULL_CLAIM, now, self.pull_interval.total_seconds(), PULL_BATCH)
        if due:
            await asyncio.gather(*(self._pull(row, now) for row in due))
        return len(due)

    async def _pull(self, row: asyncpg.Record, now: dt.datetime) -> None:
        async with self._in_flight:
            try:
                tracked = await self.lapor.status(row["lapor_id"])
            except HandOffFailed as failure:
                # Asked again at the next interval; nothing is lost by waiting.
                log.warning("lapor: status of %s: %s", row["lapor_id"], failure.reason)
                return
        if tracked.status == row["lapor_status"]:
            return
        detail = {"from": row["lapor_status"], "updatedAt": tracked.updated_at}
        async with self.pool.acquire() as conn:
            await conn.execute(
                _STATUS_CHANGED,
                row["id"],
                tracked.status,
                row["lapor_status"],
                now,
                json.dumps(detail, default=str),
            )

    # --- the loop -------------------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event, dsn: str) -> None:
        """Forward and pull until ``stop`` is set; survive database restarts and SP4N-LAPOR! outages."""
        # The hand-off must outlive any one surprise (survive_bugs): the loop is the only thing that sends complaints.
        await consumer.consume(
            dsn,
            stop,
            self._round,
            channel=CHANNEL,
            poll_seconds=POLL_SECONDS,
            name="lapor worker",
            logger=log,
            survive_bugs=True,
        )

    async def _round(self) -> int:
        """One batch forwarded and, when due, one batch of statuses pulled; how many messages were forwarded."""
        handled = await self.run_once()
        loop = asyncio.get_running_loop()
        if loop.time() >= self._next_pull:
            pulled = await self.pull_once()
            # A full batch: more are due, pull again on the next round.
            self._next_pull = loop.time() + (0 if pulled >= PULL_BATCH else 60.0)
        return handled


async def run_worker(
    dsn: str, stop: asyncio.Event, *, lapor: Lapor, pull_minutes: int, lease_seconds: int = LEASE_SECONDS
) -> None:
    """The whole hand-off, with its own small pool; closes ``lapor`` when it ends."""
    pool: asyncpg.Pool | None = None
    try:
        pool = await consumer.open_pool(dsn, stop, max_size=4, name="lapor worker")
        if pool is None:
            return
        forwarder = Forwarder(pool, lapor, lease_seconds=lease_seconds, pull_minutes=pull_minutes)
        await forwarder.run(stop, dsn)
    finally:
        await lapor.aclose()
        if pool is not None:
            await pool.close()


async def run_configured(dsn: str, stop: asyncio.Event, settings: Settings) -> None:
    """The hand-off as configured: nothing (the forwards wait) without ``MPP_LAPOR_URL``."""
    lapor = client_for(settings)
    if lapor is None:
        log.info("lapor: MPP_LAPOR_URL not set, complaints wait in the outbox for the hand-off")
        return
    await run_worker(dsn, stop, lapor=lapor, pull_minutes=settings.lapor.pull_minutes)
