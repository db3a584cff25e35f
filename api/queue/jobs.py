"""The queue's periodic work, in the rhythm of the other housekeeping jobs (``api.auth.housekeeping``): return
held seats, mark the day's missed bookings as no-shows, send the morning heads-up of a booking's day, close
the counter sessions nobody closed yesterday, and forget the phones given at the kiosk once their day is over.
Every step is one statement that claims its rows (an UPDATE … RETURNING), so any number of processes may run it
at once without sending anything twice.
"""

# The SQL here is composed of constants of ours (the zone expression); values are always parameters.
# ruff: noqa: S608

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging

import asyncpg

from api.outbox.service import enqueue
from api.queue import rules
from api.queue.booking import release_due

log = logging.getLogger(__name__)
EVERY_SECONDS = 60

# The building's local date and time of day, for a row with a ``region`` column (the province decides the zone).
_ZONE = """(CASE WHEN left({t}.region, 2) = ANY($2::text[]) THEN 'Asia/Makassar'
                 WHEN left({t}.region, 2) = ANY($3::text[]) THEN 'Asia/Jayapura' ELSE 'Asia/Jakarta' END)"""
_TODAY = "($1::timestamptz AT TIME ZONE " + _ZONE + ")::date"
_LOCAL_TIME = "($1::timestamptz AT TIME ZONE " + _ZONE + ")::time"

_NO_SHOWS = f"""
UPDATE queue_booking b SET status = 'no_show', no_show_at = b.ends_at
WHERE b.status = 'booked' AND b.day < {_TODAY.format(t="b")}
"""

_REMINDERS = f"""
WITH due AS (
    UPDATE queue_booking b SET reminded_at = $1
    WHERE b.status = 'booked' AND b.reminded_at IS NULL AND b.day = {_TODAY.format(t="b")}
      AND {_LOCAL_TIME.format(t="b")} >= $4::time
    RETURNING b.id, b.account, b.service, b.region, b.starts_at)
SELECT due.*, s.name_id, s.name_en,
       (SELECT m.name FROM catalogue_mpp m WHERE m.region = due.region ORDER BY m.name LIMIT 1) AS mpp_name
FROM due JOIN catalogue_service s ON s.id = due.service
"""

# A phone given at the kiosk serves the heads-up of that day's ticket only.
_KIOSK_PHONES = f"""
UPDATE queue_ticket t SET phone = NULL WHERE t.phone IS NOT NULL AND t.day < {_TODAY.format(t="t")}
"""

_STALE_SESSIONS = f"""
UPDATE queue_counter_session q SET closed_at = $1
WHERE q.closed_at IS NULL AND (q.opened_at AT TIME ZONE {_ZONE.format(t="q")})::date < {_TODAY.format(t="q")}
"""


async def tick(conn: asyncpg.Connection, *, now: dt.datetime) -> dict[str, int]:
    """One round of the queue's periodic work; what it did, by kind."""
    zones = (sorted(rules.WITA_PROVINCES), sorted(rules.WIT_PROVINCES))
    counts = {"seats_returned": await release_due(conn, now=now)}
    status: str = await conn.execute(_NO_SHOWS, now, *zones)
    counts["no_shows"] = int(status.split()[-1])
    async with conn.transaction():
        reminded = await conn.fetch(_REMINDERS, now, *zones, rules.REMINDER_FROM)
        for r in reminded:
            await enqueue(
                conn,
                topic="queue.booking_today",
                recipient=r["account"],
                subject=r["id"],
                payload={
                    "booking": str(r["id"]),
                    "start": rules.local(r["region"], r["starts_at"]).isoformat(),
                    "serviceName": {"id": r["name_id"], "en": r["name_en"]},
                    "mppName": r["mpp_name"] or "",
                },
            )
    counts["reminders"] = len(reminded)
    status = await conn.execute(_STALE_SESSIONS, now, *zones)
    counts["sessions_closed"] = int(status.split()[-1])
    status = await conn.execute(_KIOSK_PHONES, now, *zones)
    counts["phones_forgotten"] = int(status.split()[-1])
    return counts


async def run_forever(dsn: str, stop: asyncio.Event) -> None:
    """Run ``tick`` every minute until ``stop`` is set; a database outage only delays it."""
    while not stop.is_set():
        try:
            conn = await asyncpg.connect(dsn, timeout=5)
            try:
                counts = await tick(conn, now=dt.datetime.now(dt.UTC))
            finally:
                await conn.close()
            if any(counts.values()):
                log.info("queue: %s", counts)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("queue jobs: %s", exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=EVERY_SECONDS)
