"""Client authentication with a signed JWT (``private_key_jwt``, OIDC Core §9 and RFC 7523 §2.2): a service account
registered with its public keys proves itself with a short assertion signed by its private key, which never leaves
the agency's system, instead of a shared secret that could be copied out of a configuration file.

Authlib checks the assertion (signature by one of the client's keys, ``iss`` = ``sub`` = the client, ``aud`` = our
token endpoint, ``exp``); what needs the record is done around it, as for every other grant (``server.py``): the
client is read first by the assertion's unverified ``sub``, and the ``jti`` is spent after Authlib has accepted the
assertion, in one statement whose unique key makes a replay — even two copies sent at once — fail.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import uuid
from typing import Any, ClassVar

import asyncpg
from authlib.oauth2.rfc6749 import InvalidClientError
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet, RSAKey

from api.oidc.clients import InvalidClientSettingsError

METHOD = "private_key_jwt"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# What a client's keys may sign with: RSA (PKCS#1 v1.5 or PSS) of at least 2048 bits, or P-256.
ALGORITHMS: tuple[str, ...] = ("RS256", "PS256", "ES256")
MAX_KEYS = 5  # two live during a rotation, with room to spare
MAX_ASSERTION_BYTES = 8192
# An assertion is good for at most five minutes (its jti is kept that long): a copied one is soon worthless.
MAX_LIFETIME_SECONDS = 300
_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


def validated_jwks(value: Any) -> dict[str, Any]:
    """A client's public JWK Set as registered: 1 to 5 signing keys, each with its own ``kid``, RSA ≥ 2048 bits or
    EC P-256, public parts only (a private key pasted by mistake is refused, not stored)."""

    def refuse(detail: str) -> InvalidClientSettingsError:
        return InvalidClientSettingsError("jwks", detail)

    if not isinstance(value, dict) or not isinstance(value.get("keys"), list) or not value["keys"]:
        raise refuse('Public keys are a JWK Set: {"keys": [ … ]} with at least one key.')
    keys = value["keys"]
    if len(keys) > MAX_KEYS:
        raise refuse(f"At most {MAX_KEYS} keys.")
    kept: list[dict[str, Any]] = []
    for jwk in keys:
        if not isinstance(jwk, dict) or _PRIVATE_MEMBERS & jwk.keys():
            raise refuse("Give public keys only: a private key must never leave the agency's system.")
        kid = jwk.get("kid")
        if not isinstance(kid, str) or not 1 <= len(kid) <= 100 or any(k.get("kid") == kid for k in kept):
            raise refuse("Each key needs its own kid (1 to 100 characters).")
        if jwk.get("use", "sig") != "sig" or jwk.get("alg", ALGORITHMS[0]) not in ALGORITHMS:
            raise refuse(f"Keys are for signing with {', '.join(ALGORITHMS)}.")
        try:
            key = KeySet.import_key_set({"keys": [jwk]}).keys[0]
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise refuse("A key could not be read as a JWK.") from exc
        if isinstance(key, RSAKey):
            if key.raw_value.key_size < 2048:
                raise refuse("RSA keys must have at least 2048 bits.")
        elif not (isinstance(key, ECKey) and jwk.get("crv") == "P-256"):
            raise refuse("Keys are RSA (2048 bits or more) or EC on the P-256 curve.")
        kept.append({**key.as_dict(private=False), "kid": kid, "use": "sig"})
    return {"keys": kept}


def is_assertion(values: dict[str, str]) -> bool:
    return values.get("client_assertion_type") == ASSERTION_TYPE and bool(values.get("client_assertion"))


def unverified_subject(values: dict[str, str]) -> str | None:
    """The ``sub`` an assertion claims, read without checking it, only to know which client's row to fetch (Authlib
    then checks the signature against that client's keys)."""
    assertion = values.get("client_assertion", "")
    if len(assertion) > MAX_ASSERTION_BYTES or assertion.count(".") != 2:
        return None
    payload = assertion.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (binascii.Error, ValueError):
        return None
    sub = claims.get("sub") if isinstance(claims, dict) else None
    return sub if isinstance(sub, str) else None


def jti_hash(client: uuid.UUID, jti: str) -> bytes:
    return hashlib.sha256(client.bytes + jti.encode()).digest()


class PrivateKeyJwt(JWTBearerClientAssertion):  # type: ignore[misc]
    """Authlib's RFC 7523 client authentication, with the audience, keys and lifetime rule of this server."""

    CLIENT_AUTH_METHOD = METHOD
    AUDIENCES: ClassVar[list[str]] = []

    def __init__(self) -> None:
        # The jti is spent against the record after Authlib accepts the assertion (see spend_jti).
        super().__init__(validate_jti=False)

    def get_audiences(self) -> list[str]:
        from api.oidc.server import current

        issuer = current().issuer
        return [issuer + "/oidc/token", issuer]

    def resolve_client_public_key(self, client: Any) -> KeySet:
        jwks = client.row["jwks"]
        if not jwks:
            raise InvalidClientError(description="This client has no registered keys.")
        return KeySet.import_key_set(json.loads(jwks) if isinstance(jwks, str) else jwks)

    def verify_claims(self, claims: Any) -> None:
        super().verify_claims(claims)
        jti, exp = claims.get("jti"), claims.get("exp")
        if not isinstance(jti, str) or not 1 <= len(jti) <= 200:
            raise InvalidClientError(description="The assertion needs a jti (RFC 7523 §3).")
        now = dt.datetime.now(dt.UTC).timestamp()
        if not isinstance(exp, int | float) or exp - now > MAX_LIFETIME_SECONDS + self.leeway:
            raise InvalidClientError(description=f"An assertion may live at most {MAX_LIFETIME_SECONDS} seconds.")


def spent_claims(values: dict[str, str]) -> tuple[str, int] | None:
    """The (jti, exp) of an assertion Authlib has accepted (so its payload is known to be well formed)."""
    payload = values["client_assertion"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    jti, exp = claims.get("jti"), claims.get("exp")
    return (jti, int(exp)) if isinstance(jti, str) and isinstance(exp, int | float) else None


# One statement: forget this client's expired assertions, then spend this one. The primary key decides between
# two copies sent at once: one inserts, the other finds nothing returned.
_SPEND = """
WITH gone AS (DELETE FROM oidc_assertion WHERE client = $1 AND expires_at < now() - interval '2 minutes')
INSERT INTO oidc_assertion (client, jti_hash, expires_at) VALUES ($1, $2, to_timestamp($3))
ON CONFLICT (jti_hash) DO NOTHING RETURNING true
"""


async def spend_jti(conn: asyncpg.Connection, client: uuid.UUID, values: dict[str, str]) -> bool:
    """True the first time an accepted assertion's jti is seen; False for a replay."""
    spent = spent_claims(values)
    if spent is None:
        return False
    jti, exp = spent
    return bool(await conn.fetchval(_SPEND, client, jti_hash(client, jti), exp))
