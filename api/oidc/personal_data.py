"""A citizen's single sign-on data under UU PDP: what the export shows (every system they allowed, what it
received, since when, withdrawn ones too) and what erasure removes (consents, codes, tokens)."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg


async def export(conn: asyncpg.Connection, *, account: uuid.UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """SELECT c.client_id, c.name, c.sector, s.scopes, s.granted_at, s.updated_at, s.last_used_at, s.revoked_at
           FROM oidc_consent s JOIN oidc_client c ON c.id = s.client WHERE s.account = $1 ORDER BY s.granted_at""",
        account,
    )
    return [dict(r) for r in rows]


async def erase(conn: asyncpg.Connection, *, account: uuid.UUID) -> dict[str, int]:
    """Delete the account's consents, codes and tokens (its sessions were ended, and their clients logged out,
    when the deletion was asked for). Returns counts per kind."""
    counts = {}
    for name, table in (("consents", "oidc_consent"), ("codes", "oidc_code"), ("tokens", "oidc_token")):
        status: str = await conn.execute(f"DELETE FROM {table} WHERE account = $1", account)  # noqa: S608  # ours
        counts[name] = int(status.split()[-1])
    return counts
