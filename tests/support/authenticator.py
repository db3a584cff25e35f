"""A software passkey authenticator speaking real WebAuthn, for tests.

It does what a phone's platform authenticator and the browser do together: from the JSON options of our API it
builds ``PublicKeyCredential.toJSON()`` answers — an attestationObject (fmt "none") carrying a COSE EC2 P-256
key at registration, and ES256 assertions over authenticatorData || SHA-256(clientDataJSON) at sign-in. Knobs
let a test misbehave on purpose: another origin, another key, a sign count of its choosing.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import struct
import uuid
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

UP, UV, BE, BS, AT = 0x01, 0x04, 0x08, 0x10, 0x40
AAGUID = bytes(16)  # attestation "none": the authenticator's model is not disclosed


class AuthenticatorError(Exception):
    """What the browser would reject before anything reaches the server (e.g. InvalidStateError)."""


class SoftAuthenticator:
    """One discoverable credential (a passkey), created by ``create`` and used by ``get``."""

    def __init__(self, rp_id: str, origin: str, *, synced: bool = False) -> None:
        self.rp_id = rp_id
        self.origin = origin
        # Backup eligible and backed up, like an iCloud or Google Password Manager passkey.
        self.synced = synced
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = secrets.token_bytes(32)
        self.sign_count = 0
        self.user_handle: bytes | None = None

    @property
    def id(self) -> str:
        return bytes_to_base64url(self.credential_id)

    def _flags(self, extra: int = 0) -> int:
        return UP | UV | extra | ((BE | BS) if self.synced else 0)

    def _auth_data(self, flags: int, attested: bytes = b"") -> bytes:
        rp_id_hash = hashlib.sha256(self.rp_id.encode()).digest()
        return rp_id_hash + bytes([flags]) + struct.pack(">I", self.sign_count) + attested

    def _client_data(self, kind: str, challenge: str, origin: str | None, cross_origin: bool = False) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": origin or self.origin, "crossOrigin": cross_origin},
            separators=(",", ":"),
        ).encode()

    def cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})

    def create(self, options: dict[str, Any], *, origin: str | None = None) -> dict[str, Any]:
        """navigator.credentials.create() for ``options`` (the API's ``publicKey``)."""
        if options["rp"]["id"] != self.rp_id:
            raise AuthenticatorError("SecurityError: rp.id does not match")
        if any(c["id"] == self.id for c in options.get("excludeCredentials", [])):
            raise AuthenticatorError("InvalidStateError: this authenticator is already registered")
        self.user_handle = base64url_to_bytes(options["user"]["id"])
        attested = AAGUID + struct.pack(">H", len(self.credential_id)) + self.credential_id + self.cose_key()
        auth_data = self._auth_data(self._flags(AT), attested)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        return self._credential(
            {
                "clientDataJSON": bytes_to_base64url(client_data),
                "attestationObject": bytes_to_base64url(attestation),
                "transports": ["hybrid", "internal"],
            }
        )

    def get(
        self,
        options: dict[str, Any],
        *,
        origin: str | None = None,
        signing_key: ec.EllipticCurvePrivateKey | None = None,
        user_handle: bytes | None = None,
        cross_origin: bool = False,
    ) -> dict[str, Any]:
        """navigator.credentials.get() for ``options``; each use counts one more signature (unless synced)."""
        allowed = options.get("allowCredentials", [])
        if allowed and all(c["id"] != self.id for c in allowed):
            raise AuthenticatorError("NotAllowedError: no allowed credential on this authenticator")
        if not self.synced:  # synced passkeys keep no counter: they always report 0
            self.sign_count += 1
        auth_data = self._auth_data(self._flags())
        client_data = self._client_data("webauthn.get", options["challenge"], origin, cross_origin)
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = (signing_key or self.key).sign(signed, ec.ECDSA(hashes.SHA256()))
        handle = user_handle or self.user_handle
        return self._credential(
            {
                "clientDataJSON": bytes_to_base64url(client_data),
                "authenticatorData": bytes_to_base64url(auth_data),
                "signature": bytes_to_base64url(signature),
                "userHandle": bytes_to_base64url(handle) if handle is not None else None,
            }
        )

    def _credential(self, response: dict[str, Any]) -> dict[str, Any]:
        """A PublicKeyCredential as the browser serialises it (toJSON), around an attestation or assertion."""
        return {
            "id": self.id,
            "rawId": self.id,
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": response,
        }


def account_handle(account: uuid.UUID) -> str:
    """The WebAuthn user handle of an account, as in the options (base64url of the UUID's bytes)."""
    return bytes_to_base64url(account.bytes)
