"""The display board's tests (tests/queue/test_board.py, tests/e2e/test_board.py): a waiting ticket to call.

The ticket is put in the line directly: issuing one at the kiosk needs the building to be open at the test's
wall-clock hour and day, which the queue's own tests control. The call itself goes through the officer's API in the
tests, as a board sees it in production.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

import asyncpg

from api.queue.rules import local_today

REGION = "3302"
# The board tests call at a counter of an agency the other queue tests leave alone.
AGENCY, COUNTER = "PLN", "A25"


async def waiting_ticket(db: asyncpg.Connection, *, region: str = REGION, agency: str = AGENCY) -> str:
    """A ticket at the front of the agency's line today (priority 0: transferred), announced as issuing does."""
    agency_id = await db.fetchval("SELECT id FROM catalogue_agency WHERE region = $1 AND code = $2", region, agency)
    now = dt.datetime.now(dt.UTC)
    for _ in range(20):
        seq = 5000 + secrets.randbelow(4999)
        try:
            await db.execute(
                """INSERT INTO queue_ticket (id, region, agency, day, letter, seq, number, kind, status, priority,
                                             due_at, calls, follow_token, issued_at, estimate_low, estimate_high, mpp)
                   VALUES ($1, $2, $3, $4, 'Q', $5, $6, 'walk_in', 'waiting', 0, $7, 0, $8, $7, 0, 1,
                           (SELECT m.id FROM catalogue_mpp m WHERE m.region = $2::varchar ORDER BY m.name LIMIT 1))""",
                uuid.uuid4(),
                region,
                agency_id,
                local_today(region, now),
                seq,
                f"Q-{seq}",
                now - dt.timedelta(days=1),
                secrets.token_urlsafe(32),
            )
        except asyncpg.UniqueViolationError:
            continue
        await db.execute("SELECT pg_notify('queue_board', $1)", region)
        return f"Q-{seq}"
    raise AssertionError("no free ticket sequence")
