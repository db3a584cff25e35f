"""Logout that reaches everyone (OpenID Connect Back-Channel Logout 1.0).

When a PWA session ends (sign-out, "sign out everywhere", a revoked device, account deletion) or a citizen withdraws
a client's consent, every client that session (or that consent) signed into is told, server to server: its tokens
are revoked and one outbox message per client and session is written *in the same transaction*, so a crash can
lose no logout. The worker (channel ``oidc_logout``) signs a logout token — ``iss``, ``aud`` (the client),
``iat``, ``exp``, ``jti``, the ``events`` member, and the same pairwise ``sub`` and ``sid`` the client saw in its
ID token (the mistake of Keycloak #11735 was to send the internal id) — and POSTs it as ``logout_token``. A 2xx
ends the message; a network failure or 5xx is retried with backoff for about a day; a 4xx is dead-lettered.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import aiohttp
import asyncpg
from joserfc import jwt

from api.audit.service import record
from api.lib import retry
from api.oidc.subjects import pairwise_sid, pairwise_sub
from api.outbox import consumer
from api.outbox.service import enqueue

if TYPE_CHECKING:
    from api.oidc.service import Provider

log = logging.getLogger(__name__)

CHANNEL = "oidc_logout"
EVENT = "http://schemas.openid.net/event/backchannel-logout"
LOGOUT_TOKEN_SECONDS = 120
BATCH = 50
IN_FLIGHT = 20
LEASE_SECONDS = 60
POLL_SECONDS = 5.0
MAX_ATTEMPTS = 20
TIMEOUT_SECONDS = 10.0

_ENDED = """
WITH ended AS (
    UPDATE oidc_token SET revoked_at = coalesce(revoked_at, now()), logged_out_at = now()
    WHERE {where} AND logged_out_at IS NULL
    RETURNING client, account, session)
SELECT DISTINCT e.client, e.account, e.session, c.client_id, c.backchannel_logout_uri
FROM ended e JOIN oidc_client c ON c.id = e.client
"""


async def _announce(conn: asyncpg.Connection, rows: Iterable[asyncpg.Record], reason: str) -> int:
    told = 0
    for row in rows:
        if not row["backchannel_logout_uri"]:
            continue  # the client did not register for back-channel logout: its tokens are revoked all the same
        await enqueue(
            conn,
            topic="oidc.logout",
            recipient=row["account"],
            subject=row["client"],
            payload={"client": str(row["client"]), "session": str(row["session"]), "reason": reason},
            channel=CHANNEL,
        )
        told += 1
    return told


async def sessions_ended(conn: asyncpg.Connection, sessions: list[uuid.UUID], *, reason: str) -> int:
    """The PWA sessions ``sessions`` have ended: log out every client they signed into. Call in their transaction."""
    if not sessions:
        return 0
    rows = await conn.fetch(_ENDED.format(where="session = ANY($1::uuid[])"), sessions)
    return await _announce(conn, rows, reason)


async def consent_withdrawn(conn: asyncpg.Connection, account: uuid.UUID, client: uuid.UUID) -> int:
    """The citizen withdrew this client's consent: every session of theirs there is logged out."""
    rows = await conn.fetch(_ENDED.format(where="account = $1 AND client = $2"), account, client)
    return await _announce(conn, rows, "consent_withdrawn")


def logout_token(provider: Provider, *, alg: str, client_id: str, sub: str, sid: str) -> str:
    """A logout token (Back-Channel Logout §2.4), signed as the client's ID tokens are."""
    key = provider.id_token_keys()[alg]
    now = int(dt.datetime.now(dt.UTC).timestamp())
    claims = {
        "iss": provider.issuer,
        "aud": client_id,
        "iat": now,
        "exp": now + LOGOUT_TOKEN_SECONDS,
        "jti": uuid.uuid4().hex,
        "sub": sub,
        "sid": sid,
        "events": {EVENT: {}},
    }
    # typ per the spec's §2.4 recommendation, so a logout token can never pass for an ID token.
    return jwt.encode({"alg": alg, "kid": key.kid, "typ": "logout+jwt"}, claims, key, algorithms=[alg])


class LogoutWorker:
    def __init__(self, pool: asyncpg.Pool, provider: Provider, *, http: aiohttp.ClientSession):
        self.pool = pool
        self.provider = provider
        self.http = http
        self._in_flight = asyncio.Semaphore(IN_FLIGHT)

    async def run_once(self) -> int:
        batch = await consumer.claim(self.pool, channel=CHANNEL, batch=BATCH, lease_seconds=LEASE_SECONDS)
        if batch:
            await asyncio.gather(*(self._one(m) for m in batch))
        return len(batch)

    async def _one(self, message: asyncpg.Record) -> None:
        async with self._in_flight:
            try:
                await self.deliver(message)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("oidc logout: message %s: %s", message["id"], exc)  # the lease runs out; taken again

    async def deliver(self, message: asyncpg.Record) -> None:
        payload: dict[str, Any] = (
            json.loads(message["payload"]) if isinstance(message["payload"], str) else message["payload"]
        )
        client = await self.pool.fetchrow(
            "SELECT client_id, sector, backchannel_logout_uri, id_token_alg FROM oidc_client WHERE id = $1",
            uuid.UUID(payload["client"]),
        )
        if client is None or not client["backchannel_logout_uri"] or message["recipient"] is None:
            await consumer.finish(self.pool, [message["id"]])
            return
        secret = self.provider.secret
        token = logout_token(
            self.provider,
            alg=client["id_token_alg"],
            client_id=client["client_id"],
            sub=pairwise_sub(secret, client["sector"], message["recipient"]),
            sid=pairwise_sid(secret, client["sector"], uuid.UUID(payload["session"])),
        )
        error = await self._post(client["backchannel_logout_uri"], token)
        if error is None:
            await consumer.finish(self.pool, [message["id"]])
        elif error[0] or message["attempts"] >= MAX_ATTEMPTS:
            await consumer.dead(self.pool, message["id"], error=error[1])
        else:
            await consumer.retry(
                self.pool,
                message["id"],
                delay=retry.backoff(message["attempts"], None, first=10.0, most=3600.0, most_retry_after=3600.0),
                error=error[1],
            )

    async def _post(self, url: str, token: str) -> tuple[bool, str] | None:
        """None when the client took it; else (permanent?, why)."""
        try:
            async with self.http.post(
                url, data={"logout_token": token}, timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
            ) as answer:
                if 200 <= answer.status < 300:
                    return None
                return 400 <= answer.status < 500 and answer.status not in (408, 429), f"HTTP {answer.status}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            return False, f"{type(exc).__name__}: {exc}"[: consumer.MAX_ERROR]


async def run_worker(dsn: str, stop: asyncio.Event, provider: Provider) -> None:
    pool = await consumer.open_pool(dsn, stop, max_size=4, name="oidc-logout")
    if pool is None:
        return
    try:
        async with aiohttp.ClientSession() as http:
            worker = LogoutWorker(pool, provider, http=http)
            await consumer.consume(
                dsn,
                stop,
                worker.run_once,
                channel=CHANNEL,
                poll_seconds=POLL_SECONDS,
                name="oidc-logout",
                survive_bugs=True,
            )
    finally:
        await pool.close()


async def record_withdrawal(conn: asyncpg.Connection, account: uuid.UUID, client_id: str, ip: str) -> None:
    await record(
        conn, action="oidc.consent_withdrawn", actor=account, subject=account, detail={"client": client_id}, ip=ip
    )
