"""Clearing expired sign-in state, so that its tables do not grow without end."""

from __future__ import annotations

import asyncio
import logging

import asyncpg

from api.lib.periodic import run_every
from api.outbox.retention import prune as prune_outbox

log = logging.getLogger(__name__)
EVERY_SECONDS = 600


async def purge(conn: asyncpg.Connection) -> dict[str, int]:
    """Delete what can never be used again. Sessions are kept: they are the citizen's device history."""
    statements = {
        "rate_limits": "DELETE FROM auth_rate_limit WHERE expires_at < now()",
        # Kept a day after expiry: enough to investigate a complaint about a code, no longer.
        "codes": "DELETE FROM auth_one_time_code WHERE expires_at < now() - interval '1 day'",
        "challenges": "DELETE FROM auth_webauthn_challenge WHERE expires_at < now() - interval '1 day'",
        # Issued, used and failed codes stay in the audit trail; the rows themselves are dead once expired.
        "enrolment_codes": "DELETE FROM auth_enrolment_code WHERE expires_at < now() - interval '1 day'",
    }
    counts = {}
    for name, sql in statements.items():
        result: str = await conn.execute(sql)
        counts[name] = int(result.split()[-1])
    # Delivered outbox messages, in batches (api/outbox/retention.py).
    counts.update(await prune_outbox(conn))
    # Not a purge, but the same rhythm: remind owners of documents about to expire.
    from api.wallet.service import mark_reminders

    counts["expiry_reminders"] = len(await mark_reminders(conn))
    return counts


async def run_forever(dsn: str, stop: asyncio.Event) -> None:
    """Purge every ten minutes until ``stop`` is set; a database outage only delays it."""
    await run_every(EVERY_SECONDS, stop, purge, dsn=dsn, name="housekeeping", logger=log)
