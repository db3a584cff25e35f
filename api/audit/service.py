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
