"""Signing keys (ES256) and the server secret.

Production reads them from the environment (``MPP_SIGNING_KEYS``: the keyset JSON that ``mpp keys rotate``
prints; ``MPP_SECRET_KEY``) and refuses to start without them (config.Settings.validate). Development
generates them once into ``<data_dir>/keys/`` (mode 0600), never into the repository.

A keyset holds every key whose signatures may still be met: the newest key signs; older keys are kept,
marked retired, and stay published in the JWKS — for good, because document attestations they signed stay
valid for years and must verify offline against published keys. A retired key keeps only its public half:
its private half is destroyed at rotation, so a leak of an old keyset cannot forge anything.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from api.config import Settings

_RELOAD_EVERY_SECONDS = 5.0


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class SigningKey:
    kid: str
    created: dt.datetime
    retired: dt.datetime | None
    private_pem: str | None  # None once retired: only the public half is kept
    public: dict[str, str] | None = None

    @classmethod
    def generate(cls) -> SigningKey:
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        return cls(
            kid=_now().strftime("%Y%m%d") + "-" + secrets.token_hex(4), created=_now(), retired=None, private_pem=pem
        )

    def retire(self, when: dt.datetime) -> SigningKey:
        return SigningKey(self.kid, self.created, self.retired or when, None, self.public_jwk())

    def public_jwk(self) -> dict[str, str]:
        return dict(self._public_jwk)

    @functools.cached_property
    def _public_jwk(self) -> dict[str, str]:
        # Derived once per key: loading the PEM on every token check was most of its cost.
        if self.public is not None:
            return dict(self.public)
        assert self.private_pem is not None
        private = serialization.load_pem_private_key(self.private_pem.encode(), password=None)
        assert isinstance(private, ec.EllipticCurvePrivateKey)
        numbers = private.public_key().public_numbers()
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": _b64url(numbers.x.to_bytes(32, "big")),
            "y": _b64url(numbers.y.to_bytes(32, "big")),
            "kid": self.kid,
            "alg": "ES256",
            "use": "sig",
        }

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kid": self.kid,
            "created": self.created.isoformat(),
            "retired": self.retired.isoformat() if self.retired else None,
        }
        if self.private_pem is not None:
            data["privateKeyPem"] = self.private_pem
        else:
            data["publicJwk"] = self.public
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SigningKey:
        return cls(
            kid=str(data["kid"]),
            created=dt.datetime.fromisoformat(data["created"]),
            retired=dt.datetime.fromisoformat(data["retired"]) if data.get("retired") else None,
            private_pem=str(data["privateKeyPem"]) if data.get("privateKeyPem") else None,
            public=dict(data["publicJwk"]) if data.get("publicJwk") else None,
        )


class KeysetError(RuntimeError):
    """The keyset is missing or malformed."""


def parse_keyset(text: str) -> list[SigningKey]:
    try:
        keys = [SigningKey.from_json(k) for k in json.loads(text)["keys"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise KeysetError(f"the signing keyset is not valid JSON of the expected shape: {exc}") from exc
    if not any(k.retired is None and k.private_pem for k in keys):
        raise KeysetError("the signing keyset has no active key")
    if any(k.private_pem is None and k.public is None for k in keys):
        raise KeysetError("a key in the signing keyset has neither half")
    return keys


def dump_keyset(keys: list[SigningKey]) -> str:
    return json.dumps({"keys": [k.to_json() for k in keys]}, indent=2)


def rotated(keys: list[SigningKey]) -> list[SigningKey]:
    """A new active key; every old one retired, keeping only its public half."""
    now = _now()
    return [*(k.retire(now) for k in keys), SigningKey.generate()]


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    tmp.replace(path)


def keyset_path(settings: Settings) -> Path:
    return settings.data_dir / "keys" / "signing-keys.json"


def dev_secret(settings: Settings, name: str) -> str:
    """A secret generated once into the data folder (dev and test only)."""
    path = settings.data_dir / "keys" / name
    if not path.exists():
        _write_private(path, secrets.token_urlsafe(48))
    return path.read_text().strip()


def oidc_rsa_pem(settings: Settings) -> str:
    """The RSA key that signs RS256 ID tokens and logout tokens: MPP_OIDC_RSA_KEY in production (required), else
    generated once into ``<data_dir>/keys/oidc-rsa.pem``. OpenID Connect makes RS256 the algorithm every provider
    must offer (Core §15.1) and every client may assume (Registration §2); our own tokens stay ES256."""
    if settings.auth.oidc_rsa_key_pem:
        return settings.auth.oidc_rsa_key_pem.replace("\\n", "\n")
    path = settings.data_dir / "keys" / "oidc-rsa.pem"
    if not path.exists():
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        _write_private(path, pem)
    return path.read_text()


class KeyRing:
    """The process's view of the keyset; in dev it follows the file, so `mpp keys rotate` needs no restart."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._keys: list[SigningKey] = []
        self._loaded_mtime = -1.0
        self._checked = 0.0
        self._load()

    def _load(self) -> None:
        if self.settings.auth.signing_keys_json:
            self._keys = parse_keyset(self.settings.auth.signing_keys_json)
            return
        path = keyset_path(self.settings)
        with self._lock:
            if not path.exists():
                _write_private(path, dump_keyset([SigningKey.generate()]))
            mtime = path.stat().st_mtime
            if mtime != self._loaded_mtime:
                self._keys = parse_keyset(path.read_text())
                self._loaded_mtime = mtime

    def _fresh(self) -> list[SigningKey]:
        if not self.settings.auth.signing_keys_json and time.monotonic() - self._checked > _RELOAD_EVERY_SECONDS:
            self._checked = time.monotonic()
            self._load()
        return self._keys

    def active(self) -> SigningKey:
        return max((k for k in self._fresh() if k.retired is None and k.private_pem), key=lambda k: k.created)

    def get(self, kid: str) -> SigningKey | None:
        for key in self._fresh():
            if key.kid == kid:
                return key
        return None

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        return {"keys": [k.public_jwk() for k in self._fresh()]}


def rotate(settings: Settings) -> tuple[str, str]:
    """Rotate the keyset. Dev: rewrites the data folder's keyset. Prod: returns the new keyset to store.

    Returns (new active kid, where it went).
    """
    if settings.auth.signing_keys_json:
        keys = rotated(parse_keyset(settings.auth.signing_keys_json))
        return keys[-1].kid, dump_keyset(keys)
    path = keyset_path(settings)
    current = parse_keyset(path.read_text()) if path.exists() else []
    keys = rotated(current) if current else [SigningKey.generate()]
    _write_private(path, dump_keyset(keys))
    return keys[-1].kid, str(path)
