"""Blob storage for sealed documents: one async interface, a local-folder backend and an S3 backend.

Only ciphertext ever reaches a blob store: callers seal first (api.lib.crypto) and keep the nonce, the wrapped
data key and the master key's id in the database. A stolen bucket or disk holds nothing readable, and a
backend needs no encryption of its own.

Keys are made by us (``documents/<uuid>/v1``), never taken from user input; they are validated all the same,
so a bug upstream cannot turn a key into a path outside the store.

``BLOB_URL`` picks the backend (see ``blob_store_for``):

- ``file:///var/lib/mpp/blobs`` — a local folder (the default, ``<data_dir>/blobs``): one file per key, written
  atomically (temporary file, fsync, rename), files 0600 and folders 0700, disk work off the event loop.
- ``s3://bucket[/prefix]?endpoint=http://host:port&region=...`` — S3 or an S3-compatible server (MinIO, Ceph,
  Garage); credentials from the standard ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` variables (or the
  rest of the usual AWS chain). Without ``endpoint``, AWS itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
from contextlib import AsyncExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable
from urllib.parse import parse_qs, unquote, urlsplit

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import ClientError

from api.config import Settings
from api.lib.files import write_new_synced

if TYPE_CHECKING:
    from types_aiobotocore_s3 import S3Client

_KEY = re.compile(r"[a-z0-9][a-z0-9/_-]{0,200}")
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_TMP_PREFIX = ".tmp-"  # keys cannot start with ".", so a temporary file never shadows a blob
_NOT_FOUND_CODES = frozenset({"NoSuchKey", "NotFound", "404"})


class BlobError(RuntimeError):
    """The blob store cannot do what was asked."""


class BlobNotFoundError(BlobError, LookupError):
    """No blob under this key."""


class InvalidBlobKeyError(BlobError, ValueError):
    """The key is not one we would make."""


def check_key(key: str) -> str:
    """The key itself, if it is one of ours: lowercase letters, digits, '/', '_', '-'; no empty segment."""
    if not isinstance(key, str) or not _KEY.fullmatch(key) or ".." in key or "//" in key or key.endswith("/"):
        raise InvalidBlobKeyError(f"not a valid blob key: {key!r}")
    return key


@runtime_checkable
class BlobStore(Protocol):
    async def put(self, key: str, data: bytes) -> None:
        """Store ``data`` (ciphertext) under ``key``, replacing what was there."""

    async def get(self, key: str) -> bytes:
        """The stored bytes; BlobNotFoundError if there are none."""

    async def delete(self, key: str) -> None:
        """Remove the blob; nothing happens if it is already gone."""

    async def exists(self, key: str) -> bool:
        """Whether a blob is stored under ``key``."""


class LocalBlobStore:
    """One file per key under ``root``. Meant for a single machine (or a shared, POSIX-rename-safe volume)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        path = self.root / check_key(key)
        # Belt and braces: the key pattern already rules out "..", absolute paths and dots.
        if not path.resolve().is_relative_to(self.root):
            raise InvalidBlobKeyError(f"not a valid blob key: {key!r}")
        return path

    def _make_dirs(self, folder: Path) -> None:
        # Path.mkdir(parents=True) gives the parents the default mode; each level is made 0700 here instead.
        missing: list[Path] = []
        current = folder
        while not current.exists():
            missing.append(current)
            current = current.parent
        for path in reversed(missing):
            with contextlib.suppress(FileExistsError):  # made meanwhile by a concurrent writer
                path.mkdir(mode=0o700)

    def _write(self, path: Path, data: bytes) -> None:
        self._make_dirs(path.parent)
        tmp = path.with_name(f"{_TMP_PREFIX}{path.name}-{secrets.token_hex(8)}")
        write_new_synced(tmp, data)
        try:
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        # The rename is durable only once the folder itself is on disk.
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    @staticmethod
    def _read(path: Path, key: str) -> bytes:
        try:
            return path.read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise BlobNotFoundError(key) from None

    @staticmethod
    def _remove(path: Path) -> None:
        # Already gone, or a folder of other blobs: no blob under this key either way.
        with contextlib.suppress(FileNotFoundError, NotADirectoryError, IsADirectoryError):
            path.unlink()

    async def put(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(self._write, self._path(key), data)

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._read, self._path(key), key)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._remove, self._path(key))

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._path(key).is_file)

    async def aclose(self) -> None:
        """Nothing to release; here so both backends close alike."""

    def __repr__(self) -> str:
        return f"LocalBlobStore({str(self.root)!r})"


class S3BlobStore:
    """Objects in an S3 bucket, through one pooled aiobotocore client made on first use (``aclose`` ends it)."""

    def __init__(self, bucket: str, *, prefix: str = "", endpoint_url: str | None = None, region: str = "") -> None:
        if not _BUCKET.fullmatch(bucket):
            raise BlobError(f"not a valid S3 bucket name: {bucket!r}")
        self.bucket = bucket
        self.prefix = check_key(prefix.strip("/")) + "/" if prefix.strip("/") else ""
        self.endpoint_url = endpoint_url
        self.region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
        self._client: S3Client | None = None
        self._stack: AsyncExitStack | None = None
        self._lock = asyncio.Lock()

    async def _s3(self) -> S3Client:
        if self._client is not None:
            return self._client
        async with self._lock:
            if self._client is None:
                config = AioConfig(
                    connect_timeout=5,
                    read_timeout=60,
                    retries={"max_attempts": 3, "mode": "standard"},
                    # S3-compatible servers on a host:port rarely resolve bucket subdomains.
                    s3={"addressing_style": "path" if self.endpoint_url else "auto"},
                )
                stack = AsyncExitStack()
                self._client = await stack.enter_async_context(
                    get_session().create_client(
                        "s3", region_name=self.region, endpoint_url=self.endpoint_url, config=config
                    )
                )
                self._stack = stack
        return self._client

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    async def put(self, key: str, data: bytes) -> None:
        s3 = await self._s3()
        await s3.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, ContentType="application/octet-stream")

    async def get(self, key: str) -> bytes:
        s3 = await self._s3()
        try:
            response = await s3.get_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _NOT_FOUND_CODES:
                raise BlobNotFoundError(key) from None
            raise
        async with response["Body"] as body:
            return await body.read()

    async def delete(self, key: str) -> None:
        # S3 answers 204 whether or not the object was there: idempotent by itself.
        s3 = await self._s3()
        await s3.delete_object(Bucket=self.bucket, Key=self._key(key))

    async def exists(self, key: str) -> bool:
        s3 = await self._s3()
        try:
            await s3.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _NOT_FOUND_CODES:
                return False
            raise
        return True

    async def aclose(self) -> None:
        async with self._lock:
            if self._stack is not None:
                await self._stack.aclose()
            self._client = None
            self._stack = None

    def __repr__(self) -> str:
        return f"S3BlobStore(bucket={self.bucket!r}, prefix={self.prefix!r}, endpoint={self.endpoint_url!r})"


def blob_store_from_url(url: str) -> LocalBlobStore | S3BlobStore:
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
            raise BlobError(f"BLOB_URL must be file:///absolute/path, got {url!r}")
        return LocalBlobStore(Path(unquote(parts.path)))
    if parts.scheme == "s3":
        query = parse_qs(parts.query)
        unknown = set(query) - {"endpoint", "region"}
        if unknown:
            raise BlobError(f"BLOB_URL has unknown options: {', '.join(sorted(unknown))}")
        endpoint = query.get("endpoint", [""])[-1]
        if endpoint and urlsplit(endpoint).scheme not in ("http", "https"):
            raise BlobError(f"the BLOB_URL endpoint must be an http(s) URL, got {endpoint!r}")
        return S3BlobStore(
            parts.netloc,
            prefix=unquote(parts.path),
            endpoint_url=endpoint or None,
            region=query.get("region", [""])[-1],
        )
    raise BlobError(f"BLOB_URL must be a file:// or s3:// URL, got {url!r}")


def blob_store_for(settings: Settings) -> BlobStore:
    """The blob store ``BLOB_URL`` names (by default the data folder's ``blobs``); ``close_blob_store`` at exit."""
    return blob_store_from_url(settings.storage.blob_url)


async def close_blob_store(store: BlobStore) -> None:
    """Release the store's connections, if it holds any (the S3 client's pool); for the app's shutdown."""
    aclose = getattr(store, "aclose", None)
    if aclose is not None:
        await aclose()
