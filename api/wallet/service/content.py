"""A document's bytes: cleaned by the gate, sealed with their own key, stored as a blob, opened and served.

Nothing here reads the database; the callers pass the rows. What the process provides (keys, the blob store,
public URLs) is the ``Wallet``.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import unicodedata
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg

from api.lib.blobs import BlobStore
from api.lib.crypto import MasterKeys, Sealed, seal, unseal
from api.lib.keys import KeyRing
from api.wallet.sanitize import CleanFile, Format, sanitize
from api.wallet.service.errors import MB, FileTooLargeError


@dataclass(frozen=True)
class Wallet:
    """What the wallet needs from the process: keys, storage, and how to build public URLs."""

    master_keys: MasterKeys
    blobs: BlobStore
    key_ring: KeyRing
    issuer: str
    public_base: str
    max_upload_bytes: int


@dataclass(frozen=True)
class Content:
    """A document's plaintext as it is served, with the media type and a file name that reveals nothing."""

    data: bytes
    media_type: str
    file_name: str


def display_title(file_name: str, fallback: str) -> str:
    """A label from the client's file name: letters, digits and simple punctuation only; never a path."""
    base = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFKC", base)
    base = re.sub(r"[^\w .()-]", "", base).strip(" .")[:120]
    return base or fallback


def content_hash(content: bytes) -> str:
    """SHA-256 of the stored (sanitised) content: what finds duplicates, and what attestations sign."""
    return hashlib.sha256(content).hexdigest()


async def clean(wallet: Wallet, doc_type: asyncpg.Record, data: bytes, media_type: str | None) -> CleanFile:
    """The gate (``sanitize``) within the document type's size limit and formats."""
    limit = min(wallet.max_upload_bytes, int(doc_type["max_size_mb"]) * MB)
    if len(data) > limit:
        raise FileTooLargeError(limit)
    accepted: set[Format] = set(doc_type["formats"])
    # Decoding and re-encoding images is CPU work: off the event loop, so other requests keep flowing.
    return await asyncio.to_thread(sanitize, data, declared_media_type=media_type, accepted=accepted)


def _context(doc_id: uuid.UUID, version: int) -> bytes:
    # Bound into the ciphertext: a blob cannot be swapped for another document's, or another version's.
    return doc_id.bytes + b"/v%d" % version


@dataclass(frozen=True)
class StoredFile:
    """A cleaned file sealed and in the blob store: what a document row records about its current version."""

    file: CleanFile
    content_hash: str
    blob_key: str
    sealed: Sealed


async def seal_and_store(wallet: Wallet, doc_id: uuid.UUID, version: int, file: CleanFile) -> StoredFile:
    """Encrypt one version with its own data key and put the ciphertext in the blob store."""
    sealed = seal(file.content, wallet.master_keys, context=_context(doc_id, version))
    key = f"documents/{doc_id}/v{version}"
    await wallet.blobs.put(key, sealed.ciphertext)
    return StoredFile(file=file, content_hash=content_hash(file.content), blob_key=key, sealed=sealed)


@asynccontextmanager
async def kept_if_recorded(wallet: Wallet, blob_key: str) -> AsyncIterator[None]:
    """Around the transaction that records a stored blob: if it fails, the blob goes, so no orphan is left."""
    try:
        yield
    except BaseException:
        await wallet.blobs.delete(blob_key)
        raise


async def open_sealed(wallet: Wallet, row: asyncpg.Record) -> bytes:
    """The plaintext of a document row's current version."""
    sealed = Sealed(
        ciphertext=await wallet.blobs.get(row["blob_key"]),
        nonce=bytes(row["nonce"]),
        wrapped_key=bytes(row["wrapped_key"]),
        key_id=row["key_id"],
    )
    return unseal(sealed, wallet.master_keys, context=_context(row["id"], row["version"]))


def served(row: asyncpg.Record, data: bytes) -> Content:
    """The plaintext as it is served: named by type and id, never by the name the citizen's file had."""
    extension = {"jpeg": "jpg"}.get(row["format"], row["format"])
    return Content(
        data=data,
        media_type=row["media_type"],
        file_name=f"{row['document_type'].lower()}-{str(row['id'])[:8]}.{extension}",
    )
