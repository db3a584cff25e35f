"""The token endpoint and userinfo. A code or refresh token is taken (marked used or revoked) by the statement
that reads it, so two exchanges at once get one token pair; a code presented again revokes what it gave (RFC 6749
§4.1.2), and only the client that authenticated can burn its own code."""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import asyncpg

from api.accounts.service import Identity, identity_for_release, identity_from_row, identity_sql
from api.audit.service import record
from api.lib.errors import DomainError
from api.oidc import client_keys, service_accounts
from api.oidc import server as protocol
from api.oidc.clients import secret_hash, secret_matches
from api.oidc.service import Provider, code_hash
from api.oidc.subjects import pairwise_sid, pairwise_sub


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


@dataclass(frozen=True)
class User:
    """The citizen a code or refresh token stands for, with what the ID token may say of them."""

    account: uuid.UUID
    session: uuid.UUID
    identity: Identity
    sub: str
    sid: str
    code: bytes | None  # the code the chain of tokens started from


def _claims(user: User, scope: str) -> dict[str, Any]:
    from api.oidc.service import released_claims

    return {**released_claims(user.identity, scope, sub=user.sub), "sid": user.sid}


def _offered_secret(values: dict[str, str], authorization: str | None) -> str | None:
    if authorization and authorization[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        return unquote(decoded.partition(":")[2])
    return values.get("client_secret")


def _user(provider: Provider, client: asyncpg.Record, identity: Identity, row: Any, code: bytes | None) -> User | None:
    if not identity.active:
        return None
    sector = client["sector"]
    return User(
        row["account"],
        row["session"],
        identity,
        pairwise_sub(provider.secret, sector, row["account"]),
        pairwise_sid(provider.secret, sector, row["session"]),
        code,
    )


# The hot path in one round trip and one commit: the client (its secret compared as hashes — a SHA-256 of a random
# secret leaks nothing by its timing), the code taken for it, the citizen's identity, and the token pair stored with
# the code it came from, its hashes drawn before (``Prefetched.minted``). A wrong secret takes nothing, so only the
# client the code was issued to can spend (or burn) it; a code taken and its tokens are one commit, so a replay
# that finds the code spent always finds the tokens to revoke. The pair is stored on the conditions Authlib will
# check against the record (a fresh code, an active citizen), its refresh token when the client and the code both
# have offline_access, and its scope the code's: ``_settle`` reconciles the row with what Authlib then answers.
_TAKE_CODE = f"""
WITH c AS (SELECT id, client_id, secret_hash, sector, scopes, redirect_uris, id_token_alg, kind, jwks
           FROM oidc_client WHERE client_id = $1 AND status = 'active'),
taken AS (
    UPDATE oidc_code k SET used_at = now() FROM c
    WHERE k.code_hash = $2 AND k.client = c.id AND k.used_at IS NULL AND c.secret_hash = $3
    RETURNING k.account, k.session, k.redirect_uri, k.scope AS code_scope, k.nonce, k.code_challenge, k.auth_time,
              k.amr, k.acr, k.expires_at > now() AS fresh,
              'offline_access' = ANY (c.scopes) AND 'offline_access' = ANY (string_to_array(k.scope, ' ')) AS offline),
saved AS (
    INSERT INTO oidc_token (id, client, account, session, code_hash, access_hash, refresh_hash, scope,
                            access_expires_at, refresh_expires_at)
    SELECT gen_random_uuid(), c.id, t.account, t.session, $2, $4, CASE WHEN t.offline THEN $5::bytea END,
           t.code_scope, now() + make_interval(secs => $6),
           CASE WHEN t.offline THEN now() + make_interval(secs => $7) END
    FROM c JOIN taken t ON t.fresh JOIN accounts_account a ON a.id = t.account AND a.status = 'active'
    RETURNING id, account, client, refresh_hash IS NOT NULL AS with_refresh),
used AS (
    UPDATE oidc_consent s SET last_used_at = now() FROM saved v
    WHERE s.account = v.account AND s.client = v.client AND s.revoked_at IS NULL)
SELECT c.*, t.*, {identity_sql("a")}, v.id AS token_id, v.with_refresh
FROM c LEFT JOIN taken t ON true LEFT JOIN accounts_account a ON a.id = t.account LEFT JOIN saved v ON true
"""  # noqa: S608  # the SQL fragments are ours

_TAKE_REFRESH = f"""
WITH taken AS (
    UPDATE oidc_token SET revoked_at = now()
    WHERE refresh_hash = $1 AND client = $2 AND revoked_at IS NULL AND refresh_expires_at > now()
    RETURNING account, session, scope, code_hash)
SELECT t.*, {identity_sql("a")} FROM taken t JOIN accounts_account a ON a.id = t.account
"""  # noqa: S608  # the SQL fragments are ours

_SAVE = """
WITH t AS (
    INSERT INTO oidc_token (id, client, account, session, code_hash, access_hash, refresh_hash, scope,
                            access_expires_at, refresh_expires_at)
    VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, now() + make_interval(secs => $8),
            CASE WHEN $6::bytea IS NULL THEN NULL ELSE now() + make_interval(secs => $9) END)
    RETURNING account, client)
UPDATE oidc_consent s SET last_used_at = now() FROM t
WHERE s.account = t.account AND s.client = t.client AND s.revoked_at IS NULL
"""


async def _take_code(
    conn: asyncpg.Connection,
    provider: Provider,
    bundle: protocol.Prefetched,
    client_id: str,
    code: str,
    secret: str | None,
) -> asyncpg.Record | None:
    hashed = code_hash(code)
    access, refresh = bundle.minted = (secrets.token_urlsafe(32), secrets.token_urlsafe(32))
    row = await conn.fetchrow(
        _TAKE_CODE,
        client_id,
        hashed,
        secret_hash(secret) if secret else None,
        token_hash(access),
        token_hash(refresh),
        protocol.ACCESS_SECONDS,
        protocol.REFRESH_SECONDS,
    )
    if row is None:
        return None
    if row["account"] is None:
        if secret is not None and secret_matches(bytes(row["secret_hash"]), secret):
            await _maybe_reused(conn, row, hashed)
        return row
    user = _user(provider, row, identity_from_row(row), row, hashed)
    if row["fresh"] and user is not None:
        bundle.code = protocol.Code(
            user=user,
            redirect_uri=row["redirect_uri"],
            scope=row["code_scope"],
            nonce=row["nonce"],
            code_challenge=row["code_challenge"],
            auth_time=int(row["auth_time"].timestamp()),
            acr=row["acr"],
            amr=list(row["amr"]),
        )
    return row


async def _settle(conn: asyncpg.Connection, row: asyncpg.Record, token: dict[str, Any] | None) -> None:
    """Make the pair stored with the code what Authlib answered: removed when it refused the request (its tokens
    were never shown to anyone), corrected in the rare case its scope or refresh token differ from the guess (the
    client's scopes narrowed since the code was issued). The usual success needs no statement."""
    if token is None:
        await conn.execute("DELETE FROM oidc_token WHERE id = $1", row["token_id"])
        return
    refresh = token.get("refresh_token")
    if token.get("scope") == row["code_scope"] and bool(refresh) == row["with_refresh"]:
        return
    await conn.execute(
        "UPDATE oidc_token SET scope = $2, refresh_hash = $3, "
        "refresh_expires_at = CASE WHEN $3::bytea IS NULL THEN NULL ELSE now() + make_interval(secs => $4) END "
        "WHERE id = $1",
        row["token_id"],
        token.get("scope") or "",
        token_hash(refresh) if refresh else None,
        protocol.REFRESH_SECONDS,
    )


async def _maybe_reused(conn: asyncpg.Connection, client: asyncpg.Record, hashed: bytes) -> None:
    """The code was not there to take: if it was spent before, what it gave is revoked (RFC 6749 §4.1.2)."""
    if not await conn.fetchval(
        "SELECT used_at IS NOT NULL FROM oidc_code WHERE code_hash = $1 AND client = $2", hashed, client["id"]
    ):
        return
    revoked = await conn.fetch(
        "UPDATE oidc_token SET revoked_at = now() WHERE code_hash = $1 AND revoked_at IS NULL RETURNING account",
        hashed,
    )
    await record(
        conn,
        action="oidc.code_reused",
        actor=None,
        subject=revoked[0]["account"] if revoked else None,
        detail={"client": client["client_id"], "tokensRevoked": len(revoked)},
    )


async def _take_refresh(
    conn: asyncpg.Connection, provider: Provider, bundle: protocol.Prefetched, client: asyncpg.Record, refresh: str
) -> None:
    row = await conn.fetchrow(_TAKE_REFRESH, token_hash(refresh), client["id"])
    if row is None:
        return
    user = _user(provider, client, identity_from_row(row), row, row["code_hash"])
    if user is not None:
        scope = " ".join(s for s in row["scope"].split() if s in client["scopes"])  # narrowed since? so is this
        bundle.refresh = protocol.RefreshToken(user=user, scope=scope, client_id=client["client_id"])


async def exchange(
    conn: asyncpg.Connection, provider: Provider, values: dict[str, str], authorization: str | None, *, ip: str = ""
) -> protocol.Answer:
    """The token endpoint: Authlib answers from what was taken; a new pair is stored before it is sent. A code is
    exchanged in one round trip (take and store, ``_TAKE_CODE``) and no explicit transaction: a process lost before
    answering leaves a spent code and tokens nobody has seen, which the client meets as invalid_grant."""
    client_id = (protocol.client_id_of(values, authorization) or "")[:64]
    secret = _offered_secret(values, authorization)
    bundle = protocol.Prefetched(issuer=provider.issuer, id_token_keys=provider.id_token_keys(), user_info=_claims)
    grant_type = values.get("grant_type")
    stored: asyncpg.Record | None = None  # the pair stored with a code, to settle with Authlib's answer
    if grant_type == "authorization_code" and values.get("code"):
        client = await _take_code(conn, provider, bundle, client_id, values["code"], secret)
        stored = client if client is not None and client["token_id"] is not None else None
    else:
        client = await conn.fetchrow("SELECT * FROM oidc_client WHERE client_id = $1 AND status = 'active'", client_id)
        authenticated = (
            client is not None and secret is not None and secret_matches(bytes(client["secret_hash"]), secret)
        )
        if authenticated and grant_type == "refresh_token" and values.get("refresh_token"):
            await _take_refresh(conn, provider, bundle, client, values["refresh_token"])
    bundle.client = protocol.Client(client) if client else None
    headers = {"Authorization": authorization} if authorization else {}
    req = protocol.request_for("POST", provider.issuer + "/oidc/token", values, headers)
    status, body, answer_headers = protocol.run(bundle, lambda s: s.create_token_response(req))
    if stored is not None:
        await _settle(conn, stored, bundle.saved_token)
    elif bundle.saved_token is not None and client is not None:
        if client_keys.is_assertion(values) and not await client_keys.spend_jti(conn, client["id"], values):
            return protocol.Answer(400, _REPLAYED, {"Cache-Control": "no-store"})
        if grant_type == "client_credentials":
            assert provider.service_sessions is not None, "the API process passes auth's session starter"
            body = await service_accounts.issue(conn, provider.service_sessions, client, ip=ip)
        else:
            await _save_pair(conn, client, bundle)
    return protocol.Answer(status, body, answer_headers)


_REPLAYED = {"error": "invalid_client", "error_description": "This client assertion (its jti) was used before."}


async def _save_pair(conn: asyncpg.Connection, client: asyncpg.Record, bundle: protocol.Prefetched) -> None:
    token = bundle.saved_token
    assert token is not None
    user: User = (bundle.code or bundle.refresh).user  # type: ignore[union-attr]
    refresh = token.get("refresh_token")
    await conn.execute(
        _SAVE,
        client["id"],
        user.account,
        user.session,
        user.code,
        token_hash(token["access_token"]),
        token_hash(refresh) if refresh else None,
        token["scope"],
        protocol.ACCESS_SECONDS,
        protocol.REFRESH_SECONDS,
    )


class InvalidTokenRequestError(DomainError):
    status = 400
    code = "invalid_request"
    detail = "A token request is an application/x-www-form-urlencoded form of at most 32 fields (RFC 6749 §4.1.3)."
    # OAuth clients read "error" (RFC 6749 §5.2); it rides beside the problem's own members.
    extensions = {"error": "invalid_request"}  # noqa: RUF012  # read-only, as every DomainError's


class InvalidAccessTokenError(DomainError):
    status = 401
    code = "invalid_token"
    detail = "The access token is unknown, expired or revoked."

    def __init__(self) -> None:
        super().__init__(headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


async def userinfo(conn: asyncpg.Connection, provider: Provider, access_token: str) -> dict[str, Any]:
    row = await conn.fetchrow(
        """SELECT t.account, t.scope, c.sector, c.scopes FROM oidc_token t JOIN oidc_client c ON c.id = t.client
           WHERE t.access_hash = $1 AND t.revoked_at IS NULL AND t.access_expires_at > now() AND c.status = 'active'""",
        token_hash(access_token),
    )
    if row is None:
        raise InvalidAccessTokenError
    identity = await identity_for_release(conn, row["account"])
    if identity is None or not identity.active:
        raise InvalidAccessTokenError
    from api.oidc.service import released_claims

    # A scope the admin has since taken from the client is not released, whatever the token was given.
    scope = " ".join(s for s in row["scope"].split() if s in row["scopes"])
    return released_claims(identity, scope, sub=pairwise_sub(provider.secret, row["sector"], row["account"]))
