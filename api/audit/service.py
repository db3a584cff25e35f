"""Writing and reading the audit trail."""

from __future__ import annotations

import json
import uuid
from typing import Any

import asyncpg


def mask_nik(nik: str | None) -> str | None:
    """Enough of a NIK to tell two apart in a log, not enough to use it: 3302********0002."""
    if not nik:
        return None
    return nik[:4] + "*" * (len(nik) - 8) + nik[-4:]


async def record(
    conn: asyncpg.Connection,
    *,
    action: str,
    actor: uuid.UUID | None,
    subject: uuid.UUID | None,
    detail: dict[str, Any] | None = None,
    ip: str = "",
) -> None:
    """Append one event. Call inside the transaction of the change it records."""
    await conn.execute(
        "INSERT INTO audit_event (at, actor, subject, action, detail, ip) VALUES (now(), $1, $2, $3, $4::jsonb, $5)",
        actor,
        subject,
        action,
        json.dumps(detail or {}),
        ip[:45],
    )


# What an officer's read of a citizen's data is recorded as: an application, a document's details or its file.
READ_ACTIONS = ("application.read", "document.read", "document.content")
# A citizen's access log lists each officer at most once per thing per hour: an officer's review loads the same
# application and documents several times (the review, each document's details and file, a reload), and seven
# lines for one look drown the one line that matters — that this officer saw this at that time.
READ_LOG_WINDOW_SECONDS = 3600

# One statement: the insert happens only if this officer has no read of the same application or document of
# this citizen in the window, so the first read of the hour is the one kept. audit_event_reads_idx (actor,
# subject, at) WHERE action is a read serves the NOT EXISTS. Two reads in the same instant may both be kept
# (read committed); a second line then is harmless, a lost first read would not be.
_RECORD_READ = """
    INSERT INTO audit_event (at, actor, subject, action, detail, ip)
    SELECT now(), $1, $2, $3, $4::jsonb, $5
    WHERE NOT EXISTS (
        SELECT 1 FROM audit_event
        WHERE actor = $1 AND subject = $2 AND at > now() - make_interval(secs => $7)
          AND action IN ('application.read', 'document.read', 'document.content')
          AND coalesce(detail->>'document', detail->>'application') = $6)"""


async def record_read(
    conn: asyncpg.Connection,
    *,
    action: str,
    actor: uuid.UUID,
    subject: uuid.UUID,
    item: uuid.UUID,
    detail: dict[str, Any],
    ip: str = "",
) -> bool:
    """Record a member of staff's read of ``subject``'s application or document ``item`` (named in ``detail`` as
    ``application`` or ``document``), unless the same person read the same item within the hour. True if a
    line was written."""
    assert action in READ_ACTIONS, action
    assert str(item) in (detail.get("document"), detail.get("application")), "detail must name the item"
    status: str = await conn.execute(
        _RECORD_READ,
        actor,
        subject,
        action,
        json.dumps(detail),
        ip[:45],
        str(item),
        float(READ_LOG_WINDOW_SECONDS),
    )
    return status.endswith(" 1")


async def events_about(conn: asyncpg.Connection, subject: uuid.UUID, *, limit: int = 1000) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT at, actor, action, detail, ip FROM audit_event WHERE subject = $1 ORDER BY at DESC LIMIT $2",
        subject,
        limit,
    )
    return [
        {
            "at": r["at"].isoformat(),
            "actor": str(r["actor"]) if r["actor"] else None,
            "action": r["action"],
            "detail": json.loads(r["detail"]),
            "ip": r["ip"],
        }
        for r in rows
    ]
