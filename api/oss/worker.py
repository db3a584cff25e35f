"""The OSS connector's background work: forwarding decisions (outbox channel ``oss``) and the daily reconciliation.

Forwarding is an outbox consumer (``api.outbox.consumer``: a batch claimed under a lease with ``FOR UPDATE SKIP
LOCKED``, so any number of workers share the channel). The licence is read when it is sent: a message older than
the licence's latest decision (``seq``) is superseded and finished unsent, so a retry never puts an old status back
in OSS after a newer one. OSS keys a status by our ``id_izin``, so a repeat after a lost answer changes nothing
there. Success records what OSS acknowledged (``sent_kd``, ``oss_ack``, ``sent_at``) and finishes the message in
one transaction. Connection errors, timeouts and 5xx are retried with backoff for about a day (an OSS outage loses
nothing); a 4xx, or a licence without a NIB, is dead-lettered at once with its reason, where the region admin sees it.

The reconciliation (``api.oss.reconcile``) runs inside the same loop, once a day across all processes.
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
from api.lib import retry
from api.lib.periodic import run_every
from api.oss.client import IzinStatus, Oss, OssFailed
from api.oss.reconcile import CHECK_SECONDS, RECONCILE_DAYS, daily_round
from api.oss.service import CHANNEL, TOPIC, client_for
from api.outbox import consumer

log = logging.getLogger(__name__)

BATCH = 20
LEASE_SECONDS = 60
POLL_SECONDS = 5.0
# 30 s doubling to an hour: 30 attempts span about a day, through a long OSS outage.
MAX_ATTEMPTS = 30
FIRST_DELAY = 30.0
MAX_DELAY = 3600.0
MAX_RETRY_AFTER = 6 * 3600.0
# OSS stamps statuses in WIB (UTC+7), where it runs.
WIB = dt.timezone(dt.timedelta(hours=7))
KETERANGAN = {"50": "Izin diterbitkan melalui MPP Digital", "90": "Permohonan izin ditolak melalui MPP Digital"}

_LICENCE = "SELECT * FROM oss_licence WHERE id = $1"

_SENT = """
UPDATE oss_licence SET sent_kd = our_kd, sent_at = $3, oss_ack = $4, updated_at = $3
WHERE id = $1 AND seq = $2
"""


def izin_status(licence: asyncpg.Record) -> IzinStatus:
    """The status OSS receives of one licence: codes and the decision, never the applicant's personal data. OSS's
    own ids (oss_id, id_produk, id_proyek) are unknown to an MPP: OSS matches our licence by id_izin and the NIB."""
    return IzinStatus(
        nib=licence["nib"],
        id_produk="",
        id_proyek="",
        oss_id="",
        id_izin=str(licence["id"]),
        kd_izin=licence["service_code"],
        kd_instansi=f"{licence['region']}.{licence['agency_code']}",
        kd_status=licence["our_kd"],
        tgl_status=licence["decided_at"].astimezone(WIB).strftime("%Y-%m-%d %H:%M:%S"),
        nip_status="",
        nama_status=f"{licence['agency_code']} {licence['region']}",
        keterangan=f"{KETERANGAN.get(licence['our_kd'], '')} ({licence['number']})",
    )


class Forwarder:
    def __init__(self, pool: asyncpg.Pool, oss: Oss, *, max_attempts: int = MAX_ATTEMPTS) -> None:
        self.pool = pool
        self.oss = oss
        self.max_attempts = max_attempts

    async def run_once(self) -> int:
        """Forward one batch (one at a time: OSS's gateway is not ours to flood); how many messages it took."""
        batch = await consumer.claim(self.pool, channel=CHANNEL, batch=BATCH, lease_seconds=LEASE_SECONDS)
        for message in batch:
            try:
                await self.forward(message)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                raise  # the lease runs out and the message is taken again
            except Exception as exc:
                # A bug of ours on one licence: that message backs off (dead in the end), the rest goes on.
                log.exception("oss: message %s", message["id"])
                await self._retry(message, OssFailed(f"internal: {type(exc).__name__}: {exc}", transient=True))
        return len(batch)

    async def forward(self, message: asyncpg.Record) -> None:
        payload: dict[str, Any] = json.loads(message["payload"])
        if message["topic"] != TOPIC:
            await self._dead(message, f"unknown topic {message['topic']}")
            return
        try:
            licence_id, seq = uuid.UUID(str(payload.get("licence"))), int(payload["seq"])
        except (KeyError, TypeError, ValueError):
            await self._dead(message, "payload names no licence")
            return
        async with self.pool.acquire() as conn:
            licence = await conn.fetchrow(_LICENCE, licence_id)
        if licence is None or licence["seq"] != seq:
            log.info("oss: message %s superseded by a later decision", message["id"])
            await consumer.finish(self.pool, [message["id"]])
            return
        if licence["nib"] is None:
            await self._dead(message, f"application {licence['number']} names no valid NIB (13 digits)")
            return
        try:
            ack = await self.oss.send_status(izin_status(licence))
        except OssFailed as failure:
            if failure.transient:
                await self._retry(message, failure)
            else:
                await self._dead(message, failure.reason)
            return
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(_SENT, licence_id, seq, dt.datetime.now(dt.UTC), ack)
            await consumer.finish(conn, [message["id"]])

    async def _dead(self, message: asyncpg.Record, error: str) -> None:
        await consumer.dead(self.pool, message["id"], error=error)
        log.error("oss: message %s dead-lettered: %s", message["id"], error)

    async def _retry(self, message: asyncpg.Record, failure: OssFailed) -> None:
        if message["attempts"] >= self.max_attempts:
            await self._dead(message, f"{message['attempts']} attempts; last: {failure.reason}")
            return
        attempts, asked = message["attempts"], failure.retry_after
        delay = retry.backoff(attempts, asked, first=FIRST_DELAY, most=MAX_DELAY, most_retry_after=MAX_RETRY_AFTER)
        await consumer.retry(self.pool, message["id"], delay=delay, error=failure.reason)
        log.info("oss: message %s failed (%s), next try in %.0f s", message["id"], failure.reason, delay)


async def run_worker(dsn: str, stop: asyncio.Event, *, oss: Oss, reconcile_days: int) -> None:
    """Forwarding and the daily reconciliation until ``stop``; closes ``oss`` when it ends."""
    pool: asyncpg.Pool | None = None
    try:
        pool = await consumer.open_pool(dsn, stop, max_size=2, name="oss worker")
        if pool is None:
            return
        forwarder = Forwarder(pool, oss)
        await asyncio.gather(
            # The connector must outlive any one surprise (survive_bugs): it is the only thing that tells OSS.
            consumer.consume(
                dsn,
                stop,
                forwarder.run_once,
                channel=CHANNEL,
                poll_seconds=POLL_SECONDS,
                name="oss worker",
                logger=log,
                survive_bugs=True,
            ),
            run_every(
                CHECK_SECONDS,
                stop,
                lambda conn: daily_round(conn, oss, days=reconcile_days),
                dsn=dsn,
                name="oss reconciliation",
                logger=log,
            ),
        )
    finally:
        await oss.aclose()
        if pool is not None:
            await pool.close()


async def run_configured(dsn: str, stop: asyncio.Event, settings: Settings) -> None:
    """The connector as configured: nothing without ``MPP_OSS_URL`` (the decisions wait in the outbox)."""
    oss = client_for(settings)
    if oss is None:
        log.info("oss: MPP_OSS_URL not set, licence decisions wait in the outbox for the connector")
        return
    await run_worker(dsn, stop, oss=oss, reconcile_days=RECONCILE_DAYS)
