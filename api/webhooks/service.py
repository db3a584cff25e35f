"""Agency webhook endpoints in admin mode and on the command line: register, rotate the secret, disable and enable,
the statistics of their deliveries, dead deliveries and their replay. No HTTP here.

Who sees what: a region admin the endpoints of their own region (another region's are not found: 404); a national
admin every one. ``scope`` is that rule's input: the region admin's region, or None (national admin, command line).
Every change is audited in its own transaction, never with a secret.

Secrets are ``whsec_`` + 32 random bytes in base64 (Standard Webhooks). They are sealed with the master keys
(``api.lib.crypto``, context = the endpoint's id) since signing needs them in clear. A rotation keeps the previous
secret for ROTATION_OVERLAP: deliveries meanwhile carry one signature per live secret, so the receiver may switch
to the new secret whenever it likes within that day.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import asyncpg

from api.audit.service import record
from api.lib.crypto import NONCE_BYTES, WRAPPED_KEY_BYTES, MasterKeys, Sealed, seal, unseal
from api.lib.errors import DomainError, NotFoundError
from api.lib.wire import from_row
from api.webhooks.schemas import (
    DeliveryStats,
    WebhookDelivery,
    WebhookDeliveryList,
    WebhookEndpoint,
    WebhookEndpointList,
)
from api.webhooks.urls import check_url

ROTATION_OVERLAP = dt.timedelta(hours=24)
_CONTEXT = b"mpp-digital/webhook-secrets/v1:"


class EndpointNotFoundError(NotFoundError):
    """Raised as ``EndpointNotFoundError("webhook endpoint")``: another region's is as unknown as a missing one."""


class UnknownAgencyError(DomainError):
    status = 422
    code = "unknown_agency"


class NotDeadError(DomainError):
    status = 409
    code = "delivery_not_dead"
    detail = "Only a dead delivery can be replayed."


@dataclass(frozen=True)
class Actor:
    id: uuid.UUID | None
    # The region admin's region; None: every region (a national admin, the command line).
    scope: str | None
    ip: str = ""


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def seal_secrets(endpoint: uuid.UUID, held: dict[str, Any], keys: MasterKeys) -> tuple[bytes, str]:
    sealed = seal(json.dumps(held).encode(), keys, context=_CONTEXT + endpoint.bytes)
    return sealed.nonce + sealed.wrapped_key + sealed.ciphertext, sealed.key_id


def open_secrets(endpoint: uuid.UUID, data: bytes, key_id: str, keys: MasterKeys) -> dict[str, Any]:
    """{"current": …, "previous": … or None}. CryptoError when the master key is gone or the row was altered."""
    cut = NONCE_BYTES + WRAPPED_KEY_BYTES
    sealed = Sealed(ciphertext=data[cut:], nonce=data[:NONCE_BYTES], wrapped_key=data[NONCE_BYTES:cut], key_id=key_id)
    held: dict[str, Any] = json.loads(unseal(sealed, keys, context=_CONTEXT + endpoint.bytes))
    return held


def live_secrets(held: dict[str, Any], previous_until: dt.datetime | None, now: dt.datetime) -> list[str]:
    """The secrets a delivery is signed with now: the current one, and the previous one while a rotation lasts."""
    live = [held["current"]]
    if held.get("previous") and previous_until is not None and previous_until > now:
        live.append(held["previous"])
    return live


_ENDPOINT = """e.id, g.code AS agency, e.region, e.url, e.status, e.created_at,
    CASE WHEN e.previous_until > now() THEN e.previous_until END AS previous_secret_until"""
_CREATE = f"""
WITH made AS (
    INSERT INTO webhooks_endpoint (id, agency, region, url, secrets_sealed, secrets_key, status, created_at, created_by)
    VALUES ($1, $2, $3, $4, $5, $6, 'active', now(), $7) RETURNING *)
SELECT {_ENDPOINT} FROM made e JOIN catalogue_agency g ON g.id = e.agency
"""  # noqa: S608  # the SQL fragments are ours
_SET_STATUS = f"""
WITH changed AS (
    UPDATE webhooks_endpoint SET status = $3 WHERE id = $1 AND ($2::text IS NULL OR region = $2) RETURNING *)
SELECT {_ENDPOINT} FROM changed e JOIN catalogue_agency g ON g.id = e.agency
"""  # noqa: S608  # the SQL fragments are ours


async def create(
    conn: asyncpg.Connection,
    keys: MasterKeys,
    actor: Actor,
    *,
    agency: str,
    region: str | None,
    url: str,
    test_hosts: Iterable[str],
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint of ``agency`` in ``region``; returns it and its secret (shown only now)."""
    check_url(url, test_hosts)
    if region is None:
        raise UnknownAgencyError("Name the agency's region.")
    if actor.scope is not None and region != actor.scope:
        raise EndpointNotFoundError("region")
    agency_id = await conn.fetchval(
        "SELECT id FROM catalogue_agency WHERE upper(code) = upper($1) AND region = $2", agency, region
    )
    if agency_id is None:
        raise UnknownAgencyError(f"There is no agency {agency} in region {region}.")
    endpoint = uuid.uuid4()
    secret = new_secret()
    sealed, key_id = seal_secrets(endpoint, {"current": secret, "previous": None}, keys)
    async with conn.transaction():
        row = await conn.fetchrow(
            _CREATE,
            endpoint,
            agency_id,
            region,
            url,
            sealed,
            key_id,
            actor.id,
        )
        await _audit(conn, actor, "webhooks.endpoint_created", endpoint, {"url": url, "agency": row["agency"]})
    return from_row(WebhookEndpoint, row), secret


async def rotate(
    conn: asyncpg.Connection, keys: MasterKeys, actor: Actor, endpoint: uuid.UUID
) -> tuple[str, dt.datetime]:
    """A new current secret; the old one keeps signing for ROTATION_OVERLAP. Returns the new secret and that end."""
    async with conn.transaction():
        row = await conn.fetchrow(
            "SELECT id, secrets_sealed, secrets_key FROM webhooks_endpoint WHERE id = $1 AND ($2::text IS NULL OR "
            "region = $2) FOR UPDATE",
            endpoint,
            actor.scope,
        )
        if row is None:
            raise EndpointNotFoundError("webhook endpoint")
        held = open_secrets(endpoint, row["secrets_sealed"], row["secrets_key"], keys)
        secret = new_secret()
        sealed, key_id = seal_secrets(endpoint, {"current": secret, "previous": held["current"]}, keys)
        until: dt.datetime = await conn.fetchval(
            """UPDATE webhooks_endpoint SET secrets_sealed = $2, secrets_key = $3, previous_until = now() + $4
               WHERE id = $1 RETURNING previous_until""",
            endpoint,
            sealed,
            key_id,
            ROTATION_OVERLAP,
        )
        await _audit(conn, actor, "webhooks.secret_rotated", endpoint, {})
    return secret, until


async def set_status(conn: asyncpg.Connection, actor: Actor, endpoint: uuid.UUID, status: str) -> WebhookEndpoint:
    """Disable (no new deliveries; pending ones wait) or enable an endpoint."""
    async with conn.transaction():
        row = await conn.fetchrow(
            _SET_STATUS,
            endpoint,
            actor.scope,
            status,
        )
        if row is None:
            raise EndpointNotFoundError("webhook endpoint")
        await _audit(conn, actor, f"webhooks.endpoint_{status}", endpoint, {})
    return from_row(WebhookEndpoint, row)


_LIST = f"""
SELECT {_ENDPOINT}, s.*
FROM webhooks_endpoint e JOIN catalogue_agency g ON g.id = e.agency
CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE d.status = 'delivered') AS delivered,
           count(*) FILTER (WHERE d.status = 'pending' AND d.last_error IS NOT NULL) AS failed,
           count(*) FILTER (WHERE d.status = 'dead') AS dead,
           count(*) FILTER (WHERE d.status = 'pending') AS pending,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY d.latency_ms) FILTER (WHERE d.status = 'delivered') AS p50_ms,
           percentile_cont(0.99) WITHIN GROUP (ORDER BY d.latency_ms) FILTER (WHERE d.status = 'delivered') AS p99_ms
    FROM webhooks_delivery d WHERE d.endpoint = e.id AND d.created_at > now() - interval '24 hours') s
WHERE $1::text IS NULL OR e.region = $1
ORDER BY e.created_at DESC, e.id
"""  # noqa: S608  # the SQL fragments are ours


async def list_endpoints(conn: asyncpg.Connection, *, scope: str | None) -> WebhookEndpointList:
    """The endpoints in scope, newest first, each with its last 24 hours of deliveries."""
    rows = await conn.fetch(_LIST, scope)
    return WebhookEndpointList(
        items=[from_row(WebhookEndpoint, r, stats=from_row(DeliveryStats, r)) for r in rows],
    )


async def dead_deliveries(conn: asyncpg.Connection, *, scope: str | None, limit: int = 100) -> WebhookDeliveryList:
    """The dead deliveries in scope, most recent first."""
    rows = await conn.fetch(
        """SELECT d.* FROM webhooks_delivery d JOIN webhooks_endpoint e ON e.id = d.endpoint
           WHERE d.status = 'dead' AND ($1::text IS NULL OR e.region = $1)
           ORDER BY d.dead_at DESC, d.id LIMIT $2""",
        scope,
        limit,
    )
    return WebhookDeliveryList(items=[from_row(WebhookDelivery, r) for r in rows])


async def replay(conn: asyncpg.Connection, actor: Actor, delivery: uuid.UUID) -> WebhookDelivery:
    """A dead delivery back to pending, due now (same ``webhook-id``, so a receiver that did take it sees the repeat);
    the worker is woken at the commit."""
    async with conn.transaction():
        row = await conn.fetchrow(
            """SELECT d.status FROM webhooks_delivery d JOIN webhooks_endpoint e ON e.id = d.endpoint
               WHERE d.id = $1 AND ($2::text IS NULL OR e.region = $2) FOR UPDATE OF d""",
            delivery,
            actor.scope,
        )
        if row is None:
            raise EndpointNotFoundError("webhook delivery")
        if row["status"] != "dead":
            raise NotDeadError()
        replayed = await conn.fetchrow(
            """WITH again AS (
                   UPDATE webhooks_delivery SET status = 'pending', attempts = 0, next_attempt_at = now(),
                       dead_at = NULL WHERE id = $1 RETURNING *)
               SELECT again.* FROM again, pg_notify('outbox', 'webhook')""",
            delivery,
        )
        await _audit(conn, actor, "webhooks.delivery_replayed", replayed["endpoint"], {"delivery": str(delivery)})
    return from_row(WebhookDelivery, replayed)


async def _audit(
    conn: asyncpg.Connection, actor: Actor, action: str, endpoint: uuid.UUID, detail: dict[str, Any]
) -> None:
    await record(
        conn, action=action, actor=actor.id, subject=endpoint, detail={"endpoint": str(endpoint), **detail}, ip=actor.ip
    )
