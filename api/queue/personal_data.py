"""What the queue keeps about a person, and its erasure (for ``api.accounts.erasure``, which is not wired to it
yet): bookings carry the NIK (the one-per-NIK rule and the no-show count), tickets the account or a kiosk phone.

Erasing an account cancels its bookings still to come (their seats return at once: nobody is left to trade them),
replaces the NIK on every booking by zeros (a booking is then nobody's; counts and times stay for the figures) and
unlinks its tickets. Tickets, calls and their history stay: they are the building's record of the day.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg

ERASED_NIK = "0" * 16


async def erase(conn: asyncpg.Connection, *, account: uuid.UUID, now: dt.datetime) -> dict[str, Any]:
    """Inside the erasure's transaction: what was erased, by kind."""
    cancelled = await conn.fetch(
        """UPDATE queue_booking SET status = 'cancelled', cancelled_at = $2
           WHERE account = $1 AND status = 'booked' AND starts_at > $2 RETURNING slot""",
        account,
        now,
    )
    for row in cancelled:
        await conn.execute("UPDATE queue_slot SET taken = greatest(0, taken - 1) WHERE id = $1", row["slot"])
    niks: str = await conn.execute(
        "UPDATE queue_booking SET nik = $2, application = NULL WHERE account = $1 AND nik <> $2", account, ERASED_NIK
    )
    tickets: str = await conn.execute(
        "UPDATE queue_ticket SET account = NULL, phone = NULL, application = NULL WHERE account = $1", account
    )
    return {
        "bookingsCancelled": len(cancelled),
        "bookingsAnonymised": int(niks.split()[-1]),
        "ticketsUnlinked": int(tickets.split()[-1]),
    }
