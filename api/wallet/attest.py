"""Attestations: an agency's signed word about one version of a document, checkable offline.

An attestation is a compact JWS (ES256, signed with the same keyset as access tokens and published in the
JWKS). It carries the attested fields only — never the document: the content's SHA-256, the document type,
a salted hash of the owner's NIK, the agency, when, and until when. The QR code holds the whole JWS in the
fragment of a verification URL (``/v/#<jws>``): a fragment is never sent to a server, so scanning it leaks
nothing, and the page verifies the signature in the browser against cached public keys, with or without a
network. Online, the API adds what only the server knows: whether the attestation was revoked.

The NIK hash is salted per attestation, so equal NIKs do not give equal hashes across documents; whoever
holds the person's KTP can recompute it. (A determined attacker could still search the NIK space for one
attestation — the hash proves a match, it is not a secret store.)
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import secrets
import uuid
from dataclasses import dataclass
from typing import Any, Literal

import segno
from jose import jwt
from jose.exceptions import JOSEError

from api.lib.keys import KeyRing

TYP = "mpp-attestation+jwt"
Kind = Literal["verified", "issued"]
Verdict = Literal["valid", "expired", "revoked", "invalid"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def nik_hash(nik: str, salt: str) -> str:
    return _b64(hashlib.sha256(f"{salt}:{nik}".encode()).digest())


@dataclass(frozen=True)
class AttestedFields:
    attestation_id: uuid.UUID
    document_id: uuid.UUID
    kind: Kind
    document_type: str
    document_type_name: str
    # None for an issued document: its QR is printed inside it, so it cannot sign its own bytes; the
    # attestation then identifies the record, and the online check adds the stored content hash.
    content_hash: str | None
    agency_code: str
    agency_name: str
    region: str
    attested_at: dt.datetime
    valid_until: dt.datetime | None
    nik_hash: str | None
    nik_salt: str | None


def sign(keys: KeyRing, *, issuer: str, fields: AttestedFields) -> str:
    key = keys.active()
    assert key.private_pem is not None
    claims: dict[str, Any] = {
        "iss": issuer,
        "jti": str(fields.attestation_id),
        "sub": str(fields.document_id),
        "iat": int(fields.attested_at.timestamp()),
        "kind": fields.kind,
        "docType": fields.document_type,
        "docTypeName": fields.document_type_name,
        "agency": {"code": fields.agency_code, "name": fields.agency_name, "region": fields.region},
    }
    if fields.content_hash is not None:
        claims["contentHash"] = fields.content_hash
    if fields.valid_until is not None:
        claims["validUntil"] = int(fields.valid_until.timestamp())
    if fields.nik_hash and fields.nik_salt:
        claims["holder"] = {"nikHash": fields.nik_hash, "salt": fields.nik_salt}
    token: str = jwt.encode(claims, key.private_pem, algorithm="ES256", headers={"kid": key.kid, "typ": TYP})
    return token


def new_salt() -> str:
    return _b64(secrets.token_bytes(12))


@dataclass(frozen=True)
class Checked:
    verdict: Verdict
    claims: dict[str, Any]


def check_signature(keys: KeyRing, token: str, *, issuer: str, now: dt.datetime | None = None) -> Checked:
    """Verify an attestation with the public keys alone (what an offline verifier can do)."""
    try:
        header = jwt.get_unverified_header(token)
        key = keys.get(str(header.get("kid")))
        if header.get("alg") != "ES256" or header.get("typ") != TYP or key is None:
            return Checked("invalid", {})
        claims = jwt.decode(
            token,
            key.public_jwk(),
            algorithms=["ES256"],
            issuer=issuer,
            options={"verify_aud": False, "verify_exp": False},
        )
    except (JOSEError, ValueError, TypeError, AttributeError):
        return Checked("invalid", {})
    if not {"jti", "sub", "docType", "agency", "kind"} <= set(claims) or (
        claims["kind"] == "verified" and "contentHash" not in claims
    ):
        return Checked("invalid", {})
    now = now or dt.datetime.now(dt.UTC)
    until = claims.get("validUntil")
    if until is not None and now.timestamp() > int(until):
        return Checked("expired", claims)
    return Checked("valid", claims)


def qr_svg(url: str) -> bytes:
    """An SVG QR code of ``url``: error correction M survives a creased printout."""
    qr = segno.make(url, error="m", micro=False)
    # A standalone SVG file (with its namespace): svg_inline() leaves the namespace out, and browsers then refuse
    # to draw it as an <img>.
    out = io.BytesIO()
    qr.save(out, kind="svg", scale=4, border=4, xmldecl=False)
    return out.getvalue()


def verification_url(base: str, token: str) -> str:
    return f"{base.rstrip('/')}/v/#{token}"
