"""The provider's steps, each reading what Authlib will need first and writing what it produced after
(``server.py`` says why): the authorization request handed to the PWA, the citizen's decision, the token
endpoint, userinfo. No HTTP types here; the controllers map ``Answer`` and the domain errors."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import asyncpg
from authlib.oauth2 import OAuth2Error
from joserfc.jwk import ECKey, RSAKey

from api.accounts.service import Identity, identity_for_release
from api.audit.service import record
from api.config import Settings
from api.lib.errors import DomainError
from api.lib.keys import KeyRing, dev_secret, oidc_rsa_pem
from api.oidc import server as protocol
from api.oidc.service_accounts import SessionStarter

REQUEST_MINUTES = 10


@dataclass(frozen=True)
class Provider:
    """The provider's process-wide settings: its issuer URL (discovery lives under it), signing keys, secret."""

    issuer: str
    keys: KeyRing
    secret: bytes
    rsa_pem: str
    # How a service account's token is minted (api/oidc/service_accounts.py); None where no token is issued.
    service_sessions: SessionStarter | None = None

    @classmethod
    def configured(cls, settings: Settings, keys: KeyRing, service_sessions: SessionStarter | None = None) -> Provider:
        """The provider as every process builds it: its issuer is the address people open (discovery lives under
        it); its secret and RSA key come from the environment in production, the data folder otherwise."""
        return cls(
            issuer=settings.browser_url.rstrip("/"),
            keys=keys,
            secret=(settings.auth.secret_key or dev_secret(settings, "secret-key")).encode(),
            rsa_pem=oidc_rsa_pem(settings),
            service_sessions=service_sessions,
        )

    def id_token_keys(self) -> dict[str, Any]:
        """The signing key of each algorithm a client may choose, as joserfc (Authlib's JOSE) takes them."""
        active = self.keys.active()
        assert active.private_pem is not None
        return {"ES256": _joserfc_key("EC", active.kid, active.private_pem), "RS256": self.rsa_key()}

    def rsa_key(self) -> Any:
        return _joserfc_key("RSA", "", self.rsa_pem)

    def public_jwks(self) -> list[dict[str, Any]]:
        """What the JWKS adds for single sign-on: the RS256 key's public half."""
        public = self.rsa_key().as_dict(private=False)
        return [{**public, "alg": "RS256", "use": "sig"}]


@functools.lru_cache(maxsize=8)
def _joserfc_key(kind: str, kid: str, pem: str) -> Any:
    if kind == "EC":
        return ECKey.import_key(pem, {"kid": kid})
    key = RSAKey.import_key(pem)
    # A kid derived from the key itself (RFC 7638 thumbprint): the same in every process, no setting to keep.
    return RSAKey.import_key(pem, {"kid": "rsa-" + key.thumbprint()[:16]})


class RequestNotFoundError(DomainError):
    status = 404
    code = "oidc_request_not_found"
    detail = "This sign-in request is unknown, expired (10 minutes) or already answered. Start again from the service."


class SignInAgainError(DomainError):
    """The system asked for a fresh sign-in (prompt=login or max_age) and this session's is older. 403, not 401: the
    session is valid (a 401 tells the PWA its session has ended)."""

    status = 403
    code = "oidc_sign_in_again"
    detail = "This service asks you to sign in again before it lets you in."


class ClientUnavailableError(DomainError):
    status = 409
    code = "oidc_client_suspended"
    detail = "This service's single sign-on is suspended by its administrator."


class InvalidAuthorizationRequestError(DomainError):
    """The request cannot be answered by a redirect (unknown client, unregistered redirect URI): RFC 6749 §4.1.2.1
    forbids sending the browser to an unverified address, so the citizen is told here."""

    status = 400
    code = "oidc_invalid_request"


def code_hash(code: str) -> bytes:
    return hashlib.sha256(code.encode()).digest()


async def _client_row(conn: asyncpg.Connection, client_id: str | None) -> asyncpg.Record | None:
    if not client_id or len(client_id) > 64:
        return None
    return await conn.fetchrow("SELECT * FROM oidc_client WHERE client_id = $1 AND status = 'active'", client_id)


def _location(answer: tuple[int, Any, dict[str, str]]) -> str | None:
    return answer[2].get("Location")


# The authorization request -------------------------------------------------------------------------------------


class _Pending:
    """Stands for the citizen while the request is checked before anyone has signed in (the PWA asks later)."""


async def start_authorization(conn: asyncpg.Connection, provider: Provider, values: dict[str, str]) -> str:
    """Check an authorization request; keep it for the PWA and answer where the browser goes next: the PWA's
    consent screen, or the client's redirect URI with an error. Raises when no redirect is safe."""
    row = await _client_row(conn, values.get("client_id"))
    if row is None:
        raise InvalidAuthorizationRequestError("Unknown or suspended client_id.")
    client = protocol.Client(row)
    if values.get("redirect_uri") not in client.redirect_uris:
        raise InvalidAuthorizationRequestError("redirect_uri is not one registered for this client (exact match).")
    bundle = protocol.Prefetched(client=client, issuer=provider.issuer)
    req = protocol.request_for("GET", provider.issuer + "/oidc/authorize", values, {})

    def check(s: protocol.Server) -> tuple[int, Any, dict[str, str]] | None:
        try:
            s.get_consent_grant(req, end_user=_Pending())
        except OAuth2Error as error:
            error.state = values.get("state")
            answer: tuple[int, Any, dict[str, str]] = s.handle_error_response(req, error)
            if _location(answer) is None:
                raise InvalidAuthorizationRequestError(error.description or error.error) from None
            return answer
        return None

    refused = protocol.run(bundle, check)
    if refused is not None:
        location = _location(refused)
        assert location is not None
        return location
    if "openid" not in values.get("scope", "").split():
        return _error_redirect(values, "invalid_scope", "This provider signs people in: the scope must have openid.")
    if values.get("max_age") is not None and _max_age(values) is None:
        return _error_redirect(values, "invalid_request", "max_age is a number of seconds.")
    request_id = await conn.fetchval(
        "INSERT INTO oidc_request (id, kind, client, params, expires_at) "
        "VALUES (gen_random_uuid(), 'authorize', $1, $2::jsonb, now() + make_interval(mins => $3)) RETURNING id",
        row["id"],
        json.dumps(values),
        REQUEST_MINUTES,
    )
    return f"{provider.issuer}/#/sso/{request_id}"


def _error_redirect(values: dict[str, str], error: str, description: str) -> str:
    params = {"error": error, "error_description": description}
    if values.get("state"):
        params["state"] = values["state"]
    return values["redirect_uri"] + ("&" if "?" in values["redirect_uri"] else "?") + urlencode(params)


async def pending_request(
    conn: asyncpg.Connection, request_id: uuid.UUID, account: uuid.UUID, *, auth_time: int
) -> dict[str, Any]:
    """What the consent screen shows: who asks, for what, and what this citizen already allowed it. The first
    citizen to open a request holds it: another citizen who has its id learns nothing (404)."""
    await conn.execute(
        "UPDATE oidc_request SET account = $2 WHERE id = $1 AND kind = 'authorize' AND account IS NULL",
        request_id,
        account,
    )
    row = await conn.fetchrow(
        """SELECT r.params, r.created_at, c.client_id, c.name, c.logo_url, c.sector, c.scopes AS allowed, c.status,
                  s.scopes AS consented, s.granted_at
           FROM oidc_request r JOIN oidc_client c ON c.id = r.client
           LEFT JOIN oidc_consent s ON s.client = c.id AND s.account = $2 AND s.revoked_at IS NULL
           WHERE r.id = $1 AND r.kind = 'authorize' AND r.used_at IS NULL AND r.expires_at > now()
             AND r.account = $2""",
        request_id,
        account,
    )
    if row is None:
        raise RequestNotFoundError
    params = json.loads(row["params"])
    asked = _asked_scopes(params, row["allowed"])
    consented = set(row["consented"] or ())
    identity = await identity_for_release(conn, account)
    return {
        "id": str(request_id),
        "client": {
            "clientId": row["client_id"],
            "name": row["name"],
            "logoUrl": row["logo_url"],
            "sector": row["sector"],
        },
        "scopes": asked,
        "newScopes": [s for s in asked if s not in consented],
        "grantedAt": row["granted_at"].isoformat() if row["granted_at"] else None,
        "nikUnavailable": "nik" in asked and (identity is None or identity.nik is None),
        "prompt": _prompt(params),
        "reauthenticate": must_sign_in_again(params, row["created_at"], auth_time),
    }


def _max_age(params: dict[str, str]) -> int | None:
    raw = params.get("max_age")
    return int(raw) if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 10 else None


def must_sign_in_again(params: dict[str, str], asked_at: dt.datetime, auth_time: int) -> bool:
    """OIDC Core §3.1.2.1: ``prompt=login`` asks for a sign-in made after the request came, ``max_age`` for one at
    most that many seconds old; the citizen's PWA session may be older than either."""
    signed_in = dt.datetime.fromtimestamp(auth_time, dt.UTC)
    # auth_time counts whole seconds (OIDC Core §2): a sign-in in the request's own second counts as after it.
    if "login" in params.get("prompt", "").split() and signed_in < asked_at.replace(microsecond=0):
        return True
    max_age = _max_age(params)
    return max_age is not None and dt.datetime.now(dt.UTC) - signed_in > dt.timedelta(seconds=max_age)


def _prompt(params: dict[str, str]) -> str | None:
    """The request's ``prompt`` (OIDC Core §3.1.2.1) as the PWA acts on it: ``none`` means no screen may be shown."""
    prompts = params.get("prompt", "").split()
    return "none" if "none" in prompts else (" ".join(prompts) or None)


# What the PWA may answer for a prompt=none request it cannot complete without showing something.
UNATTENDED_ERRORS = ("login_required", "consent_required")


async def unattended(conn: asyncpg.Connection, request_id: uuid.UUID, error: str) -> str | None:
    """A prompt=none request that cannot be completed silently: the browser goes back to the client with
    ``error`` (login_required when no one is signed in here, consent_required when consent is missing). None
    (nothing done) when the request did not say prompt=none: the PWA then asks as usual."""
    if error not in UNATTENDED_ERRORS:
        raise InvalidAuthorizationRequestError("Unknown error for an unattended request.")
    params = await conn.fetchval(
        "UPDATE oidc_request SET used_at = now() WHERE id = $1 AND kind = 'authorize' AND used_at IS NULL "
        "AND expires_at > now() AND params->>'prompt' ~ '(^| )none( |$)' RETURNING params",
        request_id,
    )
    if params is None:
        if await conn.fetchval(
            "SELECT 1 FROM oidc_request WHERE id = $1 AND kind = 'authorize' AND used_at IS NULL "
            "AND expires_at > now()",
            request_id,
        ):
            return None
        raise RequestNotFoundError
    return _error_redirect(json.loads(params), error, "The user must sign in or consent at the provider first.")


def _asked_scopes(params: dict[str, str], allowed: list[str]) -> list[str]:
    return [s for s in dict.fromkeys(params.get("scope", "").split()) if s in allowed]


@dataclass(frozen=True)
class Approver:
    """The citizen answering, from their PWA access token."""

    account: uuid.UUID
    session: uuid.UUID
    auth_time: int
    amr: tuple[str, ...]
    ip: str


async def decide(
    conn: asyncpg.Connection, provider: Provider, request_id: uuid.UUID, who: Approver, *, approve: bool
) -> str:
    """The citizen's answer: a code (and the consent remembered) or access_denied; returns the client's URL."""
    async with conn.transaction():
        taken = await conn.fetchrow(
            "UPDATE oidc_request SET used_at = now(), account = $2 WHERE id = $1 AND kind = 'authorize' "
            "AND used_at IS NULL AND expires_at > now() AND (account IS NULL OR account = $2) "
            "RETURNING params, client, created_at",
            request_id,
            who.account,
        )
        if taken is None:
            raise RequestNotFoundError
        values: dict[str, str] = json.loads(taken["params"])
        if approve and must_sign_in_again(values, taken["created_at"], who.auth_time):
            raise SignInAgainError  # the transaction is rolled back: the request waits for the new sign-in
        row = await conn.fetchrow("SELECT * FROM oidc_client WHERE id = $1", taken["client"])
        if row is None or row["status"] != "active":
            raise ClientUnavailableError
        identity = await identity_for_release(conn, who.account)
        if identity is None or not identity.active:
            raise RequestNotFoundError
        nonce = values.get("nonce")
        nonce_seen = bool(
            nonce
            and await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM oidc_code WHERE client = $1 AND nonce = $2)", row["id"], nonce
            )
        )
        bundle = protocol.Prefetched(client=protocol.Client(row), issuer=provider.issuer, nonce_seen=nonce_seen)
        req = protocol.request_for("GET", provider.issuer + "/oidc/authorize", values, {})

        def answer(s: protocol.Server) -> tuple[int, Any, dict[str, str]]:
            try:
                grant = s.get_consent_grant(req, end_user=who)
            except OAuth2Error as error:
                return s.handle_error_response(req, error)  # type: ignore[no-any-return]
            return s.create_authorization_response(req, grant_user=who if approve else None, grant=grant)  # type: ignore[no-any-return]

        response = protocol.run(bundle, answer)
        if bundle.saved_code is not None:
            await _save_code(conn, bundle.saved_code[0], row, who, identity, values)
        location = _location(response)
        if location is None:  # nothing Authlib would redirect: the request was checked when it came in
            raise RequestNotFoundError
        return location


async def _save_code(
    conn: asyncpg.Connection,
    code: str,
    client: asyncpg.Record,
    who: Approver,
    identity: Identity,
    values: dict[str, str],
) -> None:
    scopes = _asked_scopes(values, client["scopes"])
    await conn.execute(
        """INSERT INTO oidc_code (code_hash, client, account, session, redirect_uri, scope, nonce, code_challenge,
                                  auth_time, amr, acr, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, to_timestamp($9), $10, $11, now() + make_interval(secs => $12))""",
        code_hash(code),
        client["id"],
        who.account,
        who.session,
        values["redirect_uri"],
        " ".join(scopes),
        values.get("nonce"),
        values["code_challenge"],
        who.auth_time,
        list(who.amr),
        identity.assurance,
        protocol.CODE_SECONDS,
    )
    # One statement, so two tabs approving at once make one consent (the partial unique index arbitrates): a row
    # comes back when the consent is new or grew.
    grown = await conn.fetchval(
        """INSERT INTO oidc_consent (id, account, client, scopes) VALUES (gen_random_uuid(), $1, $2, $3)
           ON CONFLICT (account, client) WHERE revoked_at IS NULL DO UPDATE
               SET scopes = ARRAY(SELECT DISTINCT unnest(oidc_consent.scopes || EXCLUDED.scopes) ORDER BY 1),
                   updated_at = now()
               WHERE NOT EXCLUDED.scopes <@ oidc_consent.scopes
           RETURNING scopes""",
        who.account,
        client["id"],
        scopes,
    )
    if grown is not None:
        await record(
            conn,
            action="oidc.consent_granted",
            actor=who.account,
            subject=who.account,
            detail={"client": client["client_id"], "scopes": list(grown)},
            ip=who.ip,
        )
    # Every release of the citizen's data to a system is in their own trail (GET /me/audit), consent new or not.
    await record(
        conn,
        action="oidc.signed_in",
        actor=who.account,
        subject=who.account,
        detail={"client": client["client_id"], "scopes": scopes},
        ip=who.ip,
    )


# Claims ----------------------------------------------------------------------------------------------------------


def released_claims(identity: Identity, scope: str, *, sub: str) -> dict[str, Any]:
    """The claims a scope releases (OIDC Core §5.4), and ``nik`` only from a NIK bound by proof."""
    scopes = set(scope.split())
    claims: dict[str, Any] = {"sub": sub}
    if "profile" in scopes:
        claims["name"] = identity.name
        claims["locale"] = identity.language
    if "phone" in scopes:
        claims["phone_number"] = identity.phone
        claims["phone_number_verified"] = True  # every account signs in by a code sent to it
    if "nik" in scopes and identity.nik is not None:
        claims["nik"] = identity.nik
    if "assurance" in scopes:
        claims["assurance"] = identity.assurance
    return claims
