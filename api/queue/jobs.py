"""The queue's periodic work, in the rhythm of the other housekeeping jobs (``api.auth.housekeeping``): return
held seats, cancel (and tell) the bookings of a day the building was closed after they were made, mark the day's
missed bookings as no-shows, send the morning heads-up of a booking's day, close the counter sessions nobody
closed yesterday, and forget the phones given at the kiosk once their day is over.
Every step is one statement that claims its rows (an UPDATE … RETURNING), so any number of processes may run it
at once without sending anything twice.
"""

# The SQL here is composed of constants of ours (the zone expression); values are always parameters.
# ruff: noqa: S608

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import asyncpg

from api.lib.periodic import run_every
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

# Bookings on a day the building was closed after they were made (an admin adds closures in the catalogue, which
# knows nothing of bookings): cancelled with the closure's reason, their seats kept taken (the day is closed). The
# closures are few (today's and later ones), the bookings found by day (``queue_booking_day_idx``). A booking that
# slipped in while the closure was being added is caught by the next round the same way.
_CLOSED_DAYS = f"""
WITH cancelled AS (
    UPDATE queue_booking b SET status = 'cancelled', cancelled_at = $1, cancel_reason = 'closure',
                               cancel_note_id = z.reason_id, cancel_note_en = z.reason_en
    FROM catalogue_mpp_closure z JOIN catalogue_mpp m ON m.id = z.mpp
    WHERE z.day >= ($1::timestamptz AT TIME ZONE 'Asia/Jayapura')::date - 1
      AND b.day = z.day AND b.region = m.region AND b.status = 'booked' AND b.day >= {_TODAY.format(t="b")}
    RETURNING b.id, b.account, b.service, b.region, b.day, b.starts_at, z.reason_id, z.reason_en)
SELECT c.*, s.name_id, s.name_en FROM cancelled c JOIN catalogue_service s ON s.id = c.service
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
    counts["closure_cancellations"] = await cancel_closed_days(conn, now=now)
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


async def cancel_closed_days(conn: asyncpg.Connection, *, now: dt.datetime) -> int:
    """Cancel the bookings on days the building is now closed, and tell each booker (outbox, same transaction):
    topic ``queue.booking_cancelled_closure`` with the day and the closure's reason. How many were cancelled."""
    zones = (sorted(rules.WITA_PROVINCES), sorted(rules.WIT_PROVINCES))
    async with conn.transaction():
        cancelled = await conn.fetch(_CLOSED_DAYS, now, *zones)
        for r in cancelled:
            await enqueue(
                conn,
                topic="queue.booking_cancelled_closure",
                recipient=r["account"],
                subject=r["id"],
                payload={
                    "booking": str(r["id"]),
                    "day": r["day"].isoformat(),
                    "start": rules.local(r["region"], r["starts_at"]).isoformat(),
                    "serviceName": {"id": r["name_id"], "en": r["name_en"]},
                    "reason": {"id": r["reason_id"], "en": r["reason_en"]},
                },
            )
    return len(cancelled)


async def run_forever(dsn: str, stop: asyncio.Event) -> None:
    """Run ``tick`` every minute until ``stop`` is set; a database outage only delays it."""

    async def step(conn: asyncpg.Connection) -> dict[str, int]:
        return await tick(conn, now=dt.datetime.now(dt.UTC))

    await run_every(EVERY_SECONDS, stop, step, dsn=dsn, name="queue jobs", logger=log)
