"""Fixed-window rate limits kept in PostgreSQL, so that every API process (and machine) shares them."""

from __future__ import annotations

import datetime as dt

import asyncpg

from api.lib.errors import DomainError


async def hit(conn: asyncpg.Connection, key: str, *, limit: int, window_seconds: int) -> int | None:
    """Count one event under ``key``; return None if allowed, else the seconds until the window resets."""
    now = dt.datetime.now(dt.UTC)
    window = int(now.timestamp()) // window_seconds
    expires = dt.datetime.fromtimestamp((window + 1) * window_seconds, dt.UTC)
    count = await conn.fetchval(
        """INSERT INTO auth_rate_limit (key, hits, expires_at) VALUES ($1, 1, $2)
           ON CONFLICT (key) DO UPDATE SET hits = auth_rate_limit.hits + 1
           RETURNING hits""",
        f"{key}:{window}",
        expires,
    )
    if count > limit:
        return max(1, int((expires - now).total_seconds()))
    return None


class RateLimitedError(DomainError):
    """429 ``rate_limited`` with ``Retry-After``: the seconds until the window that refused resets."""

    status = 429
    code = "rate_limited"
    detail = "Too many attempts. Please wait before trying again."

    def __init__(self, retry_after: int, detail: str = "") -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after


async def enforce(conn: asyncpg.Connection, rules: list[tuple[str, int, int]], *, detail: str = "") -> None:
    """Count one event under each (key, limit, window seconds) in turn; the first rule over its limit raises
    RateLimitedError (with ``detail`` when the caller has a better sentence than "too many attempts"), and
    the rules after it are not counted."""
    for key, limit, window in rules:
        retry = await hit(conn, key, limit=limit, window_seconds=window)
        if retry is not None:
            raise RateLimitedError(retry, detail)


async def purge_expired(conn: asyncpg.Connection) -> int:
    result: str = await conn.execute("DELETE FROM auth_rate_limit WHERE expires_at < now()")
    return int(result.split()[-1])
