"""Envelope encryption of citizens' documents at rest.

Each document is sealed with its own fresh 256-bit data key (AES-256-GCM, 96-bit random nonce); the data
key is then wrapped by a master key (AES-256-GCM too, so the wrap is authenticated and bound to the same
context). The ciphertext goes to the blob store; the nonce, the wrapped key and the master key's id go to the
database row. Neither half alone reveals anything, and the master keys never leave the process.

``context`` (the document's id) is bound as associated data to both layers: a ciphertext, or a wrapped key,
copied onto another document's row fails to open instead of showing that document someone else's file.

Master keys are a set for rotation: the active one seals, every listed one still opens what it sealed.
Production reads them from ``MPP_MASTER_KEYS`` and refuses to start without it (config.Settings.validate);
development and tests generate one once into ``<data_dir>/keys/master-keys.json`` (mode 0600), never into
the repository. Losing a master key loses every document it wrapped: back the keyset up with the database.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import os
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from api.config import Settings
from api.lib.files import write_new_synced

KEY_BYTES = 32
NONCE_BYTES = 12
# A wrapped key is the wrap's nonce, the encrypted data key and the GCM tag.
WRAPPED_KEY_BYTES = NONCE_BYTES + KEY_BYTES + 16
# Ids are stored next to each document (a varchar(40) column) and travel in the MPP_MASTER_KEYS JSON.
_KEY_ID = re.compile(r"[A-Za-z0-9._-]{1,40}")
# Domain separation: the data layer and the wrap layer never authenticate the same associated data.
_DATA_AAD = b"mpp-digital/document/v1"
_WRAP_AAD = b"mpp-digital/data-key/v1"


class CryptoError(RuntimeError):
    """A sealed document cannot be opened (unknown key, wrong context, tampered), or the keys are unusable."""


@dataclass(frozen=True)
class MasterKey:
    id: str
    key: bytes = field(repr=False)  # never in logs or tracebacks

    def __post_init__(self) -> None:
        if not _KEY_ID.fullmatch(self.id):
            raise CryptoError(f"a master key id must be 1-40 letters, digits, '.', '_' or '-', got {self.id!r}")
        if len(self.key) != KEY_BYTES:
            raise CryptoError(f"master key {self.id!r} must be {KEY_BYTES} bytes, got {len(self.key)}")

    @classmethod
    def generate(cls) -> MasterKey:
        return cls(id=dt.datetime.now(dt.UTC).strftime("%Y%m%d") + "-" + secrets.token_hex(4), key=os.urandom(32))


class MasterKeys:
    """The master keys that may still be met: ``active`` seals; any of them opens what it sealed."""

    def __init__(self, active: MasterKey, others: Iterable[MasterKey] = ()) -> None:
        self.active = active
        self._by_id: dict[str, MasterKey] = {}
        for key in (*others, active):
            known = self._by_id.get(key.id)
            if known is not None and known.key != key.key:
                raise CryptoError(f"two different master keys share the id {key.id!r}")
            self._by_id[key.id] = key

    def get(self, id: str) -> MasterKey | None:
        return self._by_id.get(id)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._by_id)

    def rotated(self) -> MasterKeys:
        """A fresh active key; the current ones stay to open what they sealed."""
        return MasterKeys(MasterKey.generate(), self._by_id.values())

    def __repr__(self) -> str:
        return f"MasterKeys(active={self.active.id!r}, ids={list(self._by_id)!r})"


@dataclass(frozen=True)
class Sealed:
    ciphertext: bytes = field(repr=False)  # to the blob store
    nonce: bytes  # these three to the document's row
    wrapped_key: bytes
    key_id: str


def _aad(label: bytes, *parts: bytes) -> bytes:
    # Length-prefixed, so no two different (key id, context) pairs encode to the same bytes.
    return label + b"".join(len(p).to_bytes(4, "big") + p for p in parts)


def seal(plaintext: bytes, keys: MasterKeys, *, context: bytes) -> Sealed:
    """Encrypt under a fresh data key, wrapped by the active master key; ``context`` must be given to unseal.

    CPU-bound (about a millisecond per megabyte): callers sealing large files may run it in a thread.
    """
    if not context:
        raise CryptoError("a context (the document's id) is required")
    master = keys.active
    data_key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(data_key).encrypt(nonce, plaintext, _aad(_DATA_AAD, context))
    wrap_nonce = os.urandom(NONCE_BYTES)
    wrapped = AESGCM(master.key).encrypt(wrap_nonce, data_key, _aad(_WRAP_AAD, master.id.encode(), context))
    return Sealed(ciphertext=ciphertext, nonce=nonce, wrapped_key=wrap_nonce + wrapped, key_id=master.id)


def unseal(sealed: Sealed, keys: MasterKeys, *, context: bytes) -> bytes:
    """The plaintext, or CryptoError if the key is unknown, the context differs or anything was altered."""
    master = keys.get(sealed.key_id)
    if master is None:
        raise CryptoError(f"unknown master key {sealed.key_id!r}")
    if len(sealed.wrapped_key) != WRAPPED_KEY_BYTES or len(sealed.nonce) != NONCE_BYTES:
        raise CryptoError("the sealed document is malformed")
    wrap_nonce, wrapped = sealed.wrapped_key[:NONCE_BYTES], sealed.wrapped_key[NONCE_BYTES:]
    try:
        data_key = AESGCM(master.key).decrypt(wrap_nonce, wrapped, _aad(_WRAP_AAD, master.id.encode(), context))
        return AESGCM(data_key).decrypt(sealed.nonce, sealed.ciphertext, _aad(_DATA_AAD, context))
    except InvalidTag:
        # One message for every failure: which layer failed is no business of whoever altered the row.
        raise CryptoError("the sealed document does not open with this key and context") from None


def parse_master_keys(text: str) -> MasterKeys:
    """Read ``{"active": "<id>", "keys": {"<id>": "<base64 of 32 bytes>"}}``."""
    try:
        data = json.loads(text)
        active_id = data["active"]
        encoded = data["keys"]
        if not isinstance(active_id, str) or not isinstance(encoded, dict) or not encoded:
            raise TypeError("expected a string 'active' and a non-empty object 'keys'")
        keys = {kid: MasterKey(kid, base64.b64decode(value, validate=True)) for kid, value in encoded.items()}
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise CryptoError(f"the master keys are not valid JSON of the expected shape: {exc}") from None
    if active_id not in keys:
        raise CryptoError(f"the active master key {active_id!r} is not among the keys")
    return MasterKeys(keys[active_id], keys.values())


def dump_master_keys(keys: MasterKeys) -> str:
    """The JSON form that ``parse_master_keys`` reads (what production puts in ``MPP_MASTER_KEYS``)."""
    by_id = {kid: keys.get(kid) for kid in keys.ids}
    encoded = {kid: base64.b64encode(k.key).decode() for kid, k in by_id.items() if k is not None}
    return json.dumps({"active": keys.active.id, "keys": encoded}, indent=2)


def master_keys_path(settings: Settings) -> Path:
    return settings.data_dir / "keys" / "master-keys.json"


def _create_private_once(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` (mode 0600) unless it exists; safe against a concurrent first start.

    A master key overwritten after it sealed something loses those documents, so the file is linked into
    place, which fails when another process got there first, instead of replaced.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    write_new_synced(tmp, text.encode())
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)


def load_master_keys(settings: Settings) -> MasterKeys:
    """Production: ``MPP_MASTER_KEYS``. Dev and test: the data folder's keyset, generated on first use."""
    if settings.storage.master_keys_json:
        return parse_master_keys(settings.storage.master_keys_json)
    if settings.env == "prod":
        # Settings.validate refuses this already; never invent a production key even if called without it.
        raise CryptoError("MPP_ENV=prod requires MPP_MASTER_KEYS")
    path = master_keys_path(settings)
    if not path.exists():
        _create_private_once(path, dump_master_keys(MasterKeys(MasterKey.generate())))
    return parse_master_keys(path.read_text())
