"""The VAPID key pair that identifies our pushes to browser push services (RFC 8292)."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from api.config import Settings
from api.lib.keys import _write_private


@dataclass(frozen=True)
class Vapid:
    private_pem: bytes
    public_pem: bytes
    # The applicationServerKey browsers subscribe with: the uncompressed P-256 point, base64url.
    application_server_key: str
    subject: str


def _from_private(pem: bytes, subject: str) -> Vapid:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ValueError("the VAPID key must be a P-256 private key in PEM")
    public = key.public_key()
    point = public.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return Vapid(
        private_pem=pem,
        public_pem=public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        application_server_key=base64.urlsafe_b64encode(point).rstrip(b"=").decode(),
        subject=subject,
    )


def load_vapid(settings: Settings) -> Vapid:
    """From MPP_VAPID_PRIVATE_KEY in production; generated once into the data folder in dev and test."""
    subject = settings.notify.vapid_subject
    if settings.notify.vapid_private_pem:
        return _from_private(settings.notify.vapid_private_pem.encode(), subject)
    path = settings.data_dir / "keys" / "vapid-private.pem"
    if not path.exists():
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        _write_private(path, pem.decode())
    return _from_private(path.read_bytes(), subject)
