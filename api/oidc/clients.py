"""The client registry: one place that creates, validates and reads registered relying parties, used by the
``mpp oidc clients`` command and admin mode alike."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import asyncpg

from api.lib.errors import DomainError, FieldError, NotFoundError

# What a client may ask for. ``openid`` is the sign-in itself; profile, phone, nik and assurance release one claim
# group each; ``offline_access`` (OIDC Core §11) is how a client that needs refresh tokens gets them: only a client
# registered with it, asking for it, and allowed by the citizen.
SCOPES: tuple[str, ...] = ("openid", "profile", "phone", "nik", "assurance", "offline_access")
DEFAULT_SCOPES: tuple[str, ...] = ("openid", "profile")
STATUSES: tuple[str, ...] = ("active", "suspended")
# RS256 is what OpenID Connect requires every provider to offer and every client to expect by default; ES256 is
# smaller and cheaper to sign, for clients that ask for it.
ID_TOKEN_ALGS: tuple[str, ...] = ("RS256", "ES256")
MAX_REDIRECT_URIS = 10


class InvalidClientSettingsError(DomainError):
    status = 422
    code = "invalid_client_settings"

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail, errors=[FieldError(field=field, message=detail)])
        self.field = field


class ClientNotFoundError(NotFoundError):
    """Raised as ``ClientNotFoundError("client")``: another region's client is as unknown as a missing one."""


def secret_hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def secret_matches(stored: bytes, offered: str) -> bool:
    return hmac.compare_digest(stored, secret_hash(offered))


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def check_redirect_uri(uri: str, *, allow_http_hosts: frozenset[str], field: str = "redirectUris") -> str:
    """An absolute https URI without a fragment (http only for loopback and the test hosts): matched exactly.
    ``field`` names the setting in the refusal (redirect, post-logout or back-channel address)."""
    if not isinstance(uri, str) or not uri or len(uri) > 500 or any(ord(c) < 0x21 or ord(c) == 0x7F for c in uri):
        raise InvalidClientSettingsError(field, "An address must be an absolute URL without spaces.")
    try:
        parts = urlsplit(uri)
        host = parts.hostname or ""
    except ValueError:
        raise InvalidClientSettingsError(field, "An address must be an absolute URL.") from None
    if parts.fragment or "#" in uri:
        raise InvalidClientSettingsError(field, "An address must not have a fragment (#).")
    if parts.scheme == "https" and host:
        return uri
    if parts.scheme == "http" and (host in ("localhost", "127.0.0.1", "::1") or host in allow_http_hosts):
        return uri
    raise InvalidClientSettingsError(field, "An address must use https (http only for localhost).")


@dataclass(frozen=True)
class ClientSettings:
    name: str
    redirect_uris: tuple[str, ...]
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    sector: str | None = None
    region: str | None = None
    logo_url: str | None = None
    post_logout_redirect_uris: tuple[str, ...] = ()
    backchannel_logout_uri: str | None = None
    id_token_alg: str = "RS256"  # noqa: S105  # an algorithm name, not a secret


def validated(settings: ClientSettings, *, allow_http_hosts: frozenset[str] = frozenset()) -> ClientSettings:
    name = settings.name.strip()
    if not name or len(name) > 120:
        raise InvalidClientSettingsError("name", "A client needs a name of 1 to 120 characters.")
    if not settings.redirect_uris or len(settings.redirect_uris) > MAX_REDIRECT_URIS:
        raise InvalidClientSettingsError("redirectUris", f"A client needs 1 to {MAX_REDIRECT_URIS} redirect URIs.")
    redirects = tuple(check_redirect_uri(u, allow_http_hosts=allow_http_hosts) for u in settings.redirect_uris)
    if len(settings.post_logout_redirect_uris) > MAX_REDIRECT_URIS:
        raise InvalidClientSettingsError(
            "postLogoutRedirectUris", f"A client has at most {MAX_REDIRECT_URIS} post-logout redirect URIs."
        )
    post_logout = tuple(
        check_redirect_uri(u, allow_http_hosts=allow_http_hosts, field="postLogoutRedirectUris")
        for u in settings.post_logout_redirect_uris
    )
    unknown = [s for s in settings.scopes if s not in SCOPES]
    if unknown or len(settings.scopes) > 2 * len(SCOPES):
        what = f"Unknown scope: {unknown[0]}." if unknown else "Too many scopes."
        raise InvalidClientSettingsError("scopes", f"{what} Known: {' '.join(SCOPES)}.")
    scopes = tuple(s for s in SCOPES if s in settings.scopes or s == "openid")
    backchannel = settings.backchannel_logout_uri or None
    if backchannel is not None:
        backchannel = check_redirect_uri(backchannel, allow_http_hosts=allow_http_hosts, field="backchannelLogoutUri")
    sector = (settings.sector or "").strip().lower() or (urlsplit(redirects[0]).hostname or "")
    if len(sector) > 253 or not sector:
        raise InvalidClientSettingsError("sector", "A sector is a host name of at most 253 characters.")
    logo = settings.logo_url or None
    if logo is not None and (len(logo) > 500 or urlsplit(logo).scheme != "https"):
        raise InvalidClientSettingsError("logoUrl", "A logo must be an https URL of at most 500 characters.")
    if settings.id_token_alg not in ID_TOKEN_ALGS:
        raise InvalidClientSettingsError("idTokenAlg", f"The ID token's algorithm is one of {' '.join(ID_TOKEN_ALGS)}.")
    return ClientSettings(
        name, redirects, scopes, sector, settings.region, logo, post_logout, backchannel, settings.id_token_alg
    )


CLIENT_COLUMNS = (
    "id, client_id, name, logo_url, sector, region, redirect_uris, post_logout_redirect_uris, scopes, "
    "backchannel_logout_uri, status, created_at, updated_at, secret_rotated_at, id_token_alg"
)


async def create_client(
    conn: asyncpg.Connection,
    settings: ClientSettings,
    *,
    created_by: uuid.UUID | None,
    allow_http_hosts: frozenset[str] = frozenset(),
) -> tuple[asyncpg.Record, str]:
    """Register a client; returns its row and its secret (shown once, stored only as a hash)."""
    s = validated(settings, allow_http_hosts=allow_http_hosts)
    if s.region is not None and not await conn.fetchval("SELECT 1 FROM catalogue_region WHERE code = $1", s.region):
        raise InvalidClientSettingsError("region", f"No region with the code {s.region}.")
    secret = new_secret()
    row = await conn.fetchrow(
        f"""INSERT INTO oidc_client (id, client_id, secret_hash, name, logo_url, sector, region, redirect_uris,
                post_logout_redirect_uris, scopes, backchannel_logout_uri, created_by, id_token_alg)
            VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
            RETURNING {CLIENT_COLUMNS}""",  # noqa: S608  # the column list is ours
        "mpp-" + secrets.token_hex(12),
        secret_hash(secret),
        s.name,
        s.logo_url,
        s.sector,
        s.region,
        list(s.redirect_uris),
        list(s.post_logout_redirect_uris),
        list(s.scopes),
        s.backchannel_logout_uri,
        created_by,
        s.id_token_alg,
    )
    assert row is not None
    return row, secret


def client_json(row: asyncpg.Record | dict[str, Any]) -> dict[str, Any]:
    """The CLI's and admin's view of a client (never its secret)."""
    return {
        "id": str(row["id"]),
        "clientId": row["client_id"],
        "name": row["name"],
        "logoUrl": row["logo_url"],
        "sector": row["sector"],
        "region": row["region"],
        "redirectUris": list(row["redirect_uris"]),
        "postLogoutRedirectUris": list(row["post_logout_redirect_uris"]),
        "scopes": list(row["scopes"]),
        "backchannelLogoutUri": row["backchannel_logout_uri"],
        "idTokenAlg": row["id_token_alg"],
        "status": row["status"],
        "createdAt": row["created_at"].isoformat(),
    }
