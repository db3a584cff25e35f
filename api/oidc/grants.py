"""What the citizen sees of single sign-on in settings: each system they allowed, what it received and since when,
and the withdrawal that revokes its tokens and logs it out (``logout.consent_withdrawn``). RP-initiated logout's
request, handed to the PWA the way an authorization request is."""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import urlencode

import asyncpg

from api.lib.errors import NotFoundError
from api.oidc.logout import consent_withdrawn, record_withdrawal, sessions_ended
from api.oidc.service import REQUEST_MINUTES, InvalidAuthorizationRequestError, RequestNotFoundError


async def list_grants(conn: asyncpg.Connection, account: uuid.UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """SELECT c.client_id, c.name, c.logo_url, c.sector, s.scopes, s.granted_at, s.last_used_at
           FROM oidc_consent s JOIN oidc_client c ON c.id = s.client
           WHERE s.account = $1 AND s.revoked_at IS NULL ORDER BY s.granted_at DESC""",
        account,
    )
    return [
        {
            "clientId": r["client_id"],
            "clientName": r["name"],
            "logoUrl": r["logo_url"],
            "sector": r["sector"],
            "scopes": list(r["scopes"]),
            "grantedAt": r["granted_at"].isoformat(),
            "lastUsedAt": r["last_used_at"].isoformat() if r["last_used_at"] else None,
        }
        for r in rows
    ]


class GrantNotFoundError(NotFoundError):
    def __init__(self) -> None:
        super().__init__("connected service")


async def withdraw(conn: asyncpg.Connection, account: uuid.UUID, client_id: str, *, ip: str) -> None:
    async with conn.transaction():
        client = await conn.fetchval(
            "UPDATE oidc_consent s SET revoked_at = now() FROM oidc_client c "
            "WHERE c.id = s.client AND c.client_id = $2 AND s.account = $1 AND s.revoked_at IS NULL RETURNING c.id",
            account,
            client_id[:64],
        )
        if client is None:
            raise GrantNotFoundError
        await consent_withdrawn(conn, account, client)
        await record_withdrawal(conn, account, client_id, ip)


# RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) ----------------------------------------------------


async def start_logout(conn: asyncpg.Connection, issuer: str, values: dict[str, str]) -> str:
    """Keep the logout request for the PWA (which holds the session) and answer where the browser goes."""
    client = None
    if values.get("client_id"):
        client = await conn.fetchrow(
            "SELECT id, post_logout_redirect_uris FROM oidc_client WHERE client_id = $1", values["client_id"][:64]
        )
        if client is None:
            raise InvalidAuthorizationRequestError("Unknown client_id.")
    target = values.get("post_logout_redirect_uri")
    if target and (client is None or target not in client["post_logout_redirect_uris"]):
        # Without a client to vouch for it, an address given by anyone would make us an open redirector.
        raise InvalidAuthorizationRequestError("post_logout_redirect_uri is not registered for this client_id.")
    request_id = await conn.fetchval(
        "INSERT INTO oidc_request (id, kind, client, params, expires_at) "
        "VALUES (gen_random_uuid(), 'logout', $1, $2::jsonb, now() + make_interval(mins => $3)) RETURNING id",
        client["id"] if client else None,
        json.dumps({k: values[k] for k in ("post_logout_redirect_uri", "state") if values.get(k)}),
        REQUEST_MINUTES,
    )
    return f"{issuer}/#/sso/logout/{request_id}"


def _after_logout(params: dict[str, str]) -> str | None:
    target = params.get("post_logout_redirect_uri")
    if not target:
        return None
    if params.get("state"):
        target += ("&" if "?" in target else "?") + urlencode({"state": params["state"]})
    return target


async def logout_request(conn: asyncpg.Connection, request_id: uuid.UUID) -> dict[str, Any]:
    row = await conn.fetchrow(
        """SELECT r.params, c.client_id, c.name, c.logo_url
           FROM oidc_request r LEFT JOIN oidc_client c ON c.id = r.client
           WHERE r.id = $1 AND r.kind = 'logout' AND r.used_at IS NULL AND r.expires_at > now()""",
        request_id,
    )
    if row is None:
        raise RequestNotFoundError
    client = (
        {"clientId": row["client_id"], "name": row["name"], "logoUrl": row["logo_url"]} if row["client_id"] else None
    )
    return {"client": client, "redirectTo": _after_logout(json.loads(row["params"]))}


async def confirm_logout(conn: asyncpg.Connection, request_id: uuid.UUID, session: uuid.UUID | None) -> str | None:
    """End the caller's PWA session (when signed in) and every client it reached; where the browser goes next."""
    async with conn.transaction():
        params = await conn.fetchval(
            "UPDATE oidc_request SET used_at = now() WHERE id = $1 AND kind = 'logout' AND used_at IS NULL "
            "AND expires_at > now() RETURNING params",
            request_id,
        )
        if params is None:
            raise RequestNotFoundError
        if session is not None:
            await sessions_ended(conn, [session], reason="rp_logout")
    return _after_logout(json.loads(params))
