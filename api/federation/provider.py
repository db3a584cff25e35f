"""The national identity provider, as its relying party sees it: discovery, keys, the code exchange, the ID token.

The protocol work is Authlib's (``AsyncOAuth2Client``: the authorization URL with PKCE S256, the token request
with our client secret) and joserfc's (the ID token's signature against the provider's published keys; Authlib's
``CodeIDToken`` then checks iss, aud, exp, iat, nonce, azp and at_hash): nothing here parses a JWT by hand.
Every way the provider can fail us — unreachable, slow, an answer that is not what OIDC says — becomes one of
two domain errors, never an exception out of a request.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from api.config import NationalIdpSettings
from api.lib.errors import DomainError

# The provider's discovery document and keys are asked for once an hour per process (and the keys again at
# once when a token names a key we do not have: the provider rotated them).
CACHE_SECONDS = 3600
# Clocks differ a little between the provider and us.
LEEWAY_SECONDS = 60
SCOPE = "openid profile phone"


class ProviderUnavailableError(DomainError):
    """503 ``provider_unavailable``: the provider could not be reached, or answered something OIDC does not allow."""

    status = 503
    code = "provider_unavailable"
    detail = "The national identity provider cannot be reached just now. Try again later, or sign in by SMS code."


class ProviderRefusedError(DomainError):
    """400 ``provider_refused``: the provider refused the code exchange (a used, expired or forged code)."""

    status = 400
    code = "provider_refused"
    detail = "The national identity provider did not confirm this sign-in. Start again."


class InvalidIdTokenError(DomainError):
    """401 ``invalid_id_token``: the ID token's signature, issuer, audience, expiry or nonce is not right."""

    status = 401
    code = "invalid_id_token"
    detail = "The national identity provider's answer could not be verified. Start again."


@dataclass(frozen=True)
class Metadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    algorithms: tuple[str, ...]
    auth_method: str


_metadata: dict[str, tuple[float, Metadata]] = {}
_keys: dict[str, tuple[float, KeySet]] = {}


def forget_cache() -> None:
    """Drop what was learnt about every provider (tests that move a provider to another address)."""
    _metadata.clear()
    _keys.clear()


async def _get_json(idp: NationalIdpSettings, url: str) -> dict[str, Any]:
    try:
        async with httpx.AsyncClient(timeout=idp.timeout_seconds) as client:
            response = await client.get(url, headers={"Accept": "application/json"})
            response.raise_for_status()
            body = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise ProviderUnavailableError from exc
    if not isinstance(body, dict):
        raise ProviderUnavailableError
    return body


async def metadata(idp: NationalIdpSettings) -> Metadata:
    """The provider's discovery document (OIDC Discovery 1.0), cached for CACHE_SECONDS."""
    cached = _metadata.get(idp.issuer)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    doc = await _get_json(idp, f"{idp.issuer}/.well-known/openid-configuration")
    # Discovery §4.3: the document's issuer must be the one we asked; otherwise its tokens would not match either.
    if doc.get("issuer", "").rstrip("/") != idp.issuer:
        raise ProviderUnavailableError
    try:
        methods = doc.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        found = Metadata(
            issuer=doc["issuer"],
            authorization_endpoint=str(doc["authorization_endpoint"]),
            token_endpoint=str(doc["token_endpoint"]),
            jwks_uri=str(doc["jwks_uri"]),
            algorithms=tuple(doc.get("id_token_signing_alg_values_supported") or ["RS256"]),
            auth_method="client_secret_basic" if "client_secret_basic" in methods else "client_secret_post",
        )
    except KeyError as exc:
        raise ProviderUnavailableError from exc
    _metadata[idp.issuer] = (time.monotonic() + CACHE_SECONDS, found)
    return found


async def _key_set(idp: NationalIdpSettings, meta: Metadata, *, fresh: bool = False) -> KeySet:
    cached = _keys.get(idp.issuer)
    if cached and cached[0] > time.monotonic() and not fresh:
        return cached[1]
    try:
        keys = KeySet.import_key_set(await _get_json(idp, meta.jwks_uri))  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise ProviderUnavailableError from exc
    _keys[idp.issuer] = (time.monotonic() + CACHE_SECONDS, keys)
    return keys


def _client(idp: NationalIdpSettings, meta: Metadata, redirect_uri: str) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=idp.client_id,
        client_secret=idp.client_secret,
        token_endpoint_auth_method=meta.auth_method,
        redirect_uri=redirect_uri,
        scope=SCOPE,
        code_challenge_method="S256",
        timeout=idp.timeout_seconds,
    )


async def authorization_url(
    idp: NationalIdpSettings, *, redirect_uri: str, state: str, nonce: str, code_verifier: str
) -> str:
    """Where to send the citizen: the provider's authorization endpoint with our state, nonce and PKCE challenge."""
    meta = await metadata(idp)
    async with _client(idp, meta, redirect_uri) as client:
        url, _ = client.create_authorization_url(
            meta.authorization_endpoint, state=state, nonce=nonce, code_verifier=code_verifier
        )
    return str(url)


async def exchange(
    idp: NationalIdpSettings, *, redirect_uri: str, code: str, code_verifier: str, nonce: str
) -> dict[str, Any]:
    """Trade the authorization code for tokens and return the verified ID token's claims."""
    meta = await metadata(idp)
    try:
        async with _client(idp, meta, redirect_uri) as client:
            token = await client.fetch_token(meta.token_endpoint, code=code, code_verifier=code_verifier)
    except OAuthError as exc:
        raise ProviderRefusedError from exc
    except (httpx.HTTPError, ValueError) as exc:
        raise ProviderUnavailableError from exc
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise InvalidIdTokenError
    return await verify_id_token(idp, meta, id_token, nonce=nonce, access_token=token.get("access_token"))


async def verify_id_token(
    idp: NationalIdpSettings, meta: Metadata, id_token: str, *, nonce: str, access_token: object = None
) -> dict[str, Any]:
    """The ID token's claims, once its signature (the provider's keys, its advertised algorithms only) and its
    claims (iss, aud = our client id, exp, iat, nonce, azp, at_hash) are right; InvalidIdTokenError otherwise."""
    registry = JWSRegistry(algorithms=[a for a in meta.algorithms if a != "none"], strict_check_header=False)
    keys = await _key_set(idp, meta)
    try:
        try:
            decoded = jwt.decode(id_token, keys, registry=registry)
        except InvalidKeyIdError:
            # A key we do not know yet: the provider may have rotated its keys since we last asked.
            decoded = jwt.decode(id_token, await _key_set(idp, meta, fresh=True), registry=registry)
        params: dict[str, Any] = {"nonce": nonce, "client_id": idp.client_id}
        if isinstance(access_token, str):
            params["access_token"] = access_token
        options = {"iss": {"essential": True, "value": meta.issuer}, "aud": {"essential": True, "value": idp.client_id}}
        claims = CodeIDToken(decoded.claims, decoded.header, options, params)
        claims.validate(leeway=LEEWAY_SECONDS)
    except (JoseError, ValueError) as exc:
        raise InvalidIdTokenError from exc
    return dict(claims)
