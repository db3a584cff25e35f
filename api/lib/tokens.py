"""Access tokens: ES256 JWTs signed with python-jose, verified strictly.

Verification pins the algorithm (ES256 only: ``alg: none`` and HS256-with-the-public-key are refused), looks
the key up by ``kid`` in our own keyset (never a key named by the token), and requires ``exp``, ``iat``,
``iss``, ``aud``, ``sub`` and ``sid`` — python-jose lets a token without ``aud`` through even when an audience
is given, so we check presence ourselves (see PITFALLS.md). Every failure is the same ``InvalidToken`` so
that no answer tells an attacker which check failed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from jose import jwk, jwt
from jose.backends.base import Key
from jose.exceptions import JOSEError

from api.lib.keys import KeyRing, SigningKey

_verifiers: dict[tuple[str, str], Key] = {}


def _verifier(key: SigningKey) -> Key:
    """The key's public half as a ready jose Key, built once: rebuilding it from PEM and JWK on every request
    cost more than the signature check itself (py-spy under bench/scale_bench.py's submit load)."""
    public = key.public_jwk()
    cache_key = (key.kid, public["x"] + public["y"])
    verifier = _verifiers.get(cache_key)
    if verifier is None:
        verifier = jwk.construct(public, ALGORITHM)
        _verifiers[cache_key] = verifier
    return verifier


ALGORITHM = "ES256"
REQUIRED_CLAIMS = ("exp", "iat", "nbf", "iss", "aud", "sub", "sid")
# Clock skew tolerated between our own processes and machines.
LEEWAY_SECONDS = 30


class InvalidTokenError(Exception):
    """The token is not one we issued, or no longer valid. Deliberately without detail."""


@dataclass(frozen=True)
class Claims:
    """What an access token says about its bearer."""

    subject: uuid.UUID  # account id (or kiosk device id)
    session: uuid.UUID
    roles: tuple[str, ...]
    # "api": everything the roles allow; "mfa": staff who still owe their second factor.
    scope: str
    # How the bearer proved who they are: "otp", "passkey", "kiosk".
    amr: tuple[str, ...]
    auth_time: int
    agency: str | None = None  # agency code, for officers and supervisors
    region: str | None = None  # region code, for staff and kiosks
    mpp: str | None = None  # MPP building id, for kiosks
    extra: dict[str, Any] = field(default_factory=dict)


def issue(keys: KeyRing, claims: Claims, *, issuer: str, audience: str, lifetime_seconds: int) -> str:
    now = int(dt.datetime.now(dt.UTC).timestamp())
    key = keys.active()
    payload: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": str(claims.subject),
        "sid": str(claims.session),
        "iat": now,
        "nbf": now,
        "exp": now + lifetime_seconds,
        "jti": uuid.uuid4().hex,
        "roles": list(claims.roles),
        "scope": claims.scope,
        "amr": list(claims.amr),
        "auth_time": claims.auth_time,
    }
    for name in ("agency", "region", "mpp"):
        if (value := getattr(claims, name)) is not None:
            payload[name] = value
    assert key.private_pem is not None
    token: str = jwt.encode(payload, key.private_pem, algorithm=ALGORITHM, headers={"kid": key.kid})
    return token


def verify(keys: KeyRing, token: str, *, issuer: str, audience: str) -> Claims:
    try:
        header = jwt.get_unverified_header(token)
        kid = header.get("kid")
        if header.get("alg") != ALGORITHM or not isinstance(kid, str):
            raise InvalidTokenError
        key = keys.get(kid)
        if key is None:
            raise InvalidTokenError
        payload = jwt.decode(
            token,
            _verifier(key),
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=issuer,
            options={"leeway": LEEWAY_SECONDS, "require_exp": True, "require_iat": True, "require_nbf": True},
        )
        if any(name not in payload for name in REQUIRED_CLAIMS) or payload["aud"] != audience:
            raise InvalidTokenError
        return Claims(
            subject=uuid.UUID(payload["sub"]),
            session=uuid.UUID(payload["sid"]),
            roles=tuple(str(r) for r in payload.get("roles", ())),
            scope=str(payload.get("scope", "")),
            amr=tuple(str(a) for a in payload.get("amr", ())),
            auth_time=int(payload.get("auth_time", payload["iat"])),
            agency=payload.get("agency"),
            region=payload.get("region"),
            mpp=payload.get("mpp"),
        )
    except (JOSEError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise InvalidTokenError from exc
