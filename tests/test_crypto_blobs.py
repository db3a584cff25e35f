"""Envelope encryption (api.lib.crypto) and the blob stores (api.lib.blobs).

The blob store suite runs unchanged against the local folder backend and against a real S3-compatible HTTP
server (moto's, on a free loopback port): the same put/get/exists/delete behaviour from both.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import os
import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import boto3
import pytest
import pytest_asyncio
from moto.server import ThreadedMotoServer

from api.config import SettingsError, _load
from api.lib.blobs import (
    BlobError,
    BlobNotFoundError,
    BlobStore,
    InvalidBlobKeyError,
    LocalBlobStore,
    S3BlobStore,
    blob_store_for,
    blob_store_from_url,
    close_blob_store,
)
from api.lib.crypto import (
    CryptoError,
    MasterKey,
    MasterKeys,
    Sealed,
    dump_master_keys,
    load_master_keys,
    master_keys_path,
    parse_master_keys,
    seal,
    unseal,
)

BUCKET = "mpp-test-blobs"
MB = 1024 * 1024


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """A clean test environment with its own data folder (restored after the test)."""
    for name in list(os.environ):
        if name.startswith("MPP_") or name == "BLOB_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("MPP_ENV", "test")
    monkeypatch.setenv("MPP_DATA_DIR", str(tmp_path / "data"))
    return monkeypatch


@pytest.fixture
def keys() -> MasterKeys:
    return MasterKeys(MasterKey.generate())


def flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


# --- envelope encryption -------------------------------------------------------------------------------------


def test_seal_unseal_round_trip(keys: MasterKeys) -> None:
    doc = uuid.uuid4().bytes
    plaintext = b"%PDF-1.7 KTP-el 3171234567890001" * 100
    sealed = seal(plaintext, keys, context=doc)
    assert sealed.key_id == keys.active.id
    assert plaintext[:32] not in sealed.ciphertext and len(sealed.nonce) == 12
    assert unseal(sealed, keys, context=doc) == plaintext
    assert unseal(seal(b"", keys, context=doc), keys, context=doc) == b""


def test_a_ciphertext_cannot_move_to_another_document(keys: MasterKeys) -> None:
    mine, theirs = uuid.uuid4().bytes, uuid.uuid4().bytes
    sealed = seal(b"my KK", keys, context=mine)
    with pytest.raises(CryptoError):
        unseal(sealed, keys, context=theirs)
    # Nor half of it: my ciphertext with their row's wrapped key and nonce.
    other = seal(b"their KK", keys, context=theirs)
    with pytest.raises(CryptoError):
        unseal(dataclasses.replace(other, ciphertext=sealed.ciphertext), keys, context=theirs)
    with pytest.raises(CryptoError):
        seal(b"no context", keys, context=b"")


@pytest.mark.parametrize("part", ["ciphertext", "nonce", "wrapped_key"])
def test_any_tampered_byte_is_refused(keys: MasterKeys, part: str) -> None:
    doc = uuid.uuid4().bytes
    sealed = seal(os.urandom(4096), keys, context=doc)
    value: bytes = getattr(sealed, part)
    for at in (0, len(value) // 2, len(value) - 1):
        with pytest.raises(CryptoError):
            unseal(dataclasses.replace(sealed, **{part: flip(value, at)}), keys, context=doc)
    with pytest.raises(CryptoError):
        unseal(dataclasses.replace(sealed, **{part: value[:-1]}), keys, context=doc)


def test_an_unknown_key_id_is_refused(keys: MasterKeys) -> None:
    doc = uuid.uuid4().bytes
    sealed = seal(b"x", keys, context=doc)
    with pytest.raises(CryptoError, match="unknown master key"):
        unseal(sealed, MasterKeys(MasterKey.generate()), context=doc)
    # Relabelling the row with another known key id does not help either.
    both = MasterKeys(keys.active, [MasterKey("other", os.urandom(32))])
    with pytest.raises(CryptoError):
        unseal(dataclasses.replace(sealed, key_id="other"), both, context=doc)


def test_two_seals_of_the_same_plaintext_differ(keys: MasterKeys) -> None:
    doc = uuid.uuid4().bytes
    a, b = seal(b"same", keys, context=doc), seal(b"same", keys, context=doc)
    assert a.ciphertext != b.ciphertext and a.nonce != b.nonce and a.wrapped_key != b.wrapped_key
    assert unseal(a, keys, context=doc) == unseal(b, keys, context=doc) == b"same"


def test_rotation_keeps_old_documents_readable(keys: MasterKeys) -> None:
    doc = uuid.uuid4().bytes
    old = seal(b"sealed last year", keys, context=doc)
    # Through the JSON form production keeps in MPP_MASTER_KEYS.
    rotated = parse_master_keys(dump_master_keys(keys.rotated()))
    assert rotated.active.id != keys.active.id and set(rotated.ids) == {keys.active.id, rotated.active.id}
    assert unseal(old, rotated, context=doc) == b"sealed last year"
    new = seal(b"sealed today", rotated, context=doc)
    assert new.key_id == rotated.active.id
    assert unseal(new, rotated, context=doc) == b"sealed today"
    with pytest.raises(CryptoError):
        unseal(new, keys, context=doc)  # the old keyset never knew the new key


def test_master_keys_are_checked() -> None:
    good = base64.b64encode(os.urandom(32)).decode()
    for text in (
        "not json",
        "[]",
        json.dumps({"active": "a", "keys": {}}),
        json.dumps({"active": "b", "keys": {"a": good}}),
        json.dumps({"active": "a", "keys": {"a": base64.b64encode(os.urandom(16)).decode()}}),
        json.dumps({"active": "a", "keys": {"a": "not base64!"}}),
        json.dumps({"active": "a b", "keys": {"a b": good}}),
    ):
        with pytest.raises(CryptoError):
            parse_master_keys(text)
    with pytest.raises(CryptoError):
        MasterKeys(MasterKey("k", os.urandom(32)), [MasterKey("k", os.urandom(32))])
    key = MasterKey("k1", os.urandom(32))
    assert key.key.hex() not in repr(key) and key.key.hex() not in repr(MasterKeys(key))


def test_dev_master_keys_are_generated_once_private(env: pytest.MonkeyPatch) -> None:
    settings = _load()
    path = master_keys_path(settings)
    assert not path.exists()
    first = load_master_keys(settings)
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert [p.name for p in path.parent.iterdir()] == ["master-keys.json"], "no temporary file left behind"
    before = path.read_bytes()
    second = load_master_keys(settings)
    assert path.read_bytes() == before and second.active == first.active
    doc = uuid.uuid4().bytes
    assert unseal(seal(b"kept", first, context=doc), second, context=doc) == b"kept"


def test_a_corrupt_dev_keyset_is_refused_not_replaced(env: pytest.MonkeyPatch) -> None:
    settings = _load()
    path = master_keys_path(settings)
    path.parent.mkdir(parents=True)
    path.write_text("{}")
    with pytest.raises(CryptoError):
        load_master_keys(settings)
    assert path.read_text() == "{}", "a keyset is never overwritten: it may be all that opens old documents"


def prod_env(env: pytest.MonkeyPatch) -> None:
    env.setenv("MPP_ENV", "prod")
    env.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    env.setenv("MPP_SIGNING_KEYS", '{"keys": []}')
    env.setenv("MPP_SECRET_KEY", secrets.token_urlsafe(48))
    env.setenv("MPP_OIDC_RSA_KEY", "-----BEGIN PRIVATE KEY-----\\n...\\n-----END PRIVATE KEY-----")
    env.setenv("MPP_PUBLIC_URL", "https://mpp.example.go.id")
    env.setenv("MPP_SMS_URL", "https://sms.example.go.id/send")
    env.setenv("MPP_VAPID_PRIVATE_KEY", "-----BEGIN PRIVATE KEY-----\\n...\\n-----END PRIVATE KEY-----")
    env.setenv("MPP_METRICS_TOKEN", secrets.token_urlsafe(32))
    for name, value in (("URL", "https://registry.example.go.id"), ("CLIENT_ID", "mpp"), ("SECRET", "s")):
        env.setenv(f"MPP_REGISTRY_{name}", value)


def test_production_refuses_to_start_without_master_keys(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    prod_env(env)
    with pytest.raises(SettingsError) as refused:
        _load()
    assert str(refused.value) == "MPP_ENV=prod requires MPP_MASTER_KEYS"
    keys = MasterKeys(MasterKey.generate())
    env.setenv("MPP_MASTER_KEYS", dump_master_keys(keys))
    settings = _load()
    assert load_master_keys(settings).active == keys.active
    assert not (tmp_path / "data" / "keys").exists(), "production must not generate its own keys"
    # Even handed settings without them, production never invents a key.
    bare = dataclasses.replace(settings, storage=dataclasses.replace(settings.storage, master_keys_json=""))
    with pytest.raises(CryptoError):
        load_master_keys(bare)
    assert not (tmp_path / "data" / "keys").exists()


def test_storage_settings(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = _load()
    assert settings.storage.blob_url == (tmp_path / "data" / "blobs").as_uri()
    assert settings.storage.max_upload_bytes == 10 * MB and settings.storage.master_keys_json == ""
    env.setenv("BLOB_URL", "s3://docs?endpoint=http://127.0.0.1:9000&region=ap-southeast-3")
    env.setenv("MPP_MAX_UPLOAD_BYTES", "2000000")
    settings = _load()
    assert settings.storage.blob_url.startswith("s3://docs") and settings.storage.max_upload_bytes == 2_000_000
    env.setenv("BLOB_URL", "ftp://docs")
    with pytest.raises(SettingsError):
        _load()


# --- blob stores: the backends ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3-compatible HTTP server on a free loopback port, with our bucket and test credentials."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_ACCESS_KEY_ID", "testing")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint).create_bucket(Bucket=BUCKET)
        try:
            yield endpoint
        finally:
            server.stop()


@pytest_asyncio.fixture(params=["local", "s3"])
async def store(request: pytest.FixtureRequest, tmp_path: Path, s3_endpoint: str) -> AsyncIterator[BlobStore]:
    if request.param == "local":
        store = blob_store_from_url((tmp_path / "blobs").as_uri())
    else:
        # A prefix per test: each starts from an empty store, as the local one does.
        store = blob_store_from_url(f"s3://{BUCKET}/t-{secrets.token_hex(4)}?endpoint={s3_endpoint}&region=us-east-1")
    try:
        yield store
    finally:
        await close_blob_store(store)


def temp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.startswith(".")]


# --- blob stores: one behaviour, both backends -----------------------------------------------------------------


async def test_put_get_exists_delete(store: BlobStore) -> None:
    assert isinstance(store, BlobStore)
    key = f"documents/{uuid.uuid4()}/v1"
    assert not await store.exists(key)
    await store.put(key, b"first")
    assert await store.exists(key) and await store.get(key) == b"first"
    await store.put(key, b"second, longer")  # replaces
    assert await store.get(key) == b"second, longer"
    await store.delete(key)
    assert not await store.exists(key)
    await store.delete(key)  # idempotent
    with pytest.raises(BlobNotFoundError):
        await store.get(key)


async def test_a_missing_blob_is_not_found(store: BlobStore) -> None:
    await store.put("documents/a/v1", b"a")
    for key in ("documents/missing", "documents/a", "documents/a/v1/deeper", "nothing-here"):
        with pytest.raises(BlobNotFoundError):
            await store.get(key)
        assert not await store.exists(key)
        await store.delete(key)
    assert await store.get("documents/a/v1") == b"a", "deleting a prefix or a missing key touched nothing"


@pytest.mark.parametrize(
    "key",
    [
        "",
        "../etc/passwd",
        "documents/../../etc/passwd",
        "/etc/passwd",
        "Documents/x",
        "documents/ktp.jpg",
        ".tmp-x",
        "a//b",
        "a/",
        "-a",
        "a b",
        "a\nb",
        "documents/a\n",
        "a\x00b",
        "dokumen/é",
        "x" * 202,
    ],
)
async def test_bad_keys_are_refused(store: BlobStore, key: str) -> None:
    with pytest.raises(InvalidBlobKeyError):
        await store.put(key, b"x")
    with pytest.raises(InvalidBlobKeyError):
        await store.get(key)
    with pytest.raises(InvalidBlobKeyError):
        await store.exists(key)
    with pytest.raises(InvalidBlobKeyError):
        await store.delete(key)


async def test_longest_key_is_accepted(store: BlobStore) -> None:
    key = "x" * 201
    await store.put(key, b"ok")
    assert await store.get(key) == b"ok"


async def test_a_large_object_round_trips(store: BlobStore) -> None:
    data = os.urandom(10 * MB)
    await store.put("documents/large", data)
    assert await store.get("documents/large") == data


async def test_concurrent_writers_and_readers(store: BlobStore) -> None:
    keys = [f"documents/{uuid.uuid4()}/v1" for _ in range(20)]
    await asyncio.gather(*(store.put(k, k.encode()) for k in keys))
    assert await asyncio.gather(*(store.get(k) for k in keys)) == [k.encode() for k in keys]


async def test_sealed_documents_through_the_store(store: BlobStore, keys: MasterKeys) -> None:
    doc = uuid.uuid4()
    plaintext = b"\xff\xd8\xff\xe0 KTP scan " + os.urandom(2048)
    sealed = seal(plaintext, keys, context=doc.bytes)
    key = f"documents/{doc}/v1"
    await store.put(key, sealed.ciphertext)
    stored = await store.get(key)
    assert plaintext[:16] not in stored
    row = Sealed(ciphertext=stored, nonce=sealed.nonce, wrapped_key=sealed.wrapped_key, key_id=sealed.key_id)
    assert unseal(row, keys, context=doc.bytes) == plaintext


# --- the local backend on disk --------------------------------------------------------------------------------


async def test_local_files_are_private_and_written_atomically(tmp_path: Path) -> None:
    root = tmp_path / "blobs"
    store = LocalBlobStore(root)
    doc = uuid.uuid4()
    await store.put(f"documents/{doc}/v1", b"ciphertext")
    await store.put(f"documents/{doc}/v1", b"ciphertext, again")
    path = root / "documents" / str(doc) / "v1"
    assert path.read_bytes() == b"ciphertext, again"
    assert path.stat().st_mode & 0o777 == 0o600
    for folder in (root, root / "documents", root / "documents" / str(doc)):
        assert folder.stat().st_mode & 0o777 == 0o700, folder
    assert temp_files(root) == []


async def test_a_failed_local_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "blobs"
    store = LocalBlobStore(root)
    await store.put("documents/kept", b"old")

    def disk_full(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    for key in ("documents/new", "documents/kept"):
        with pytest.raises(OSError, match="No space"):
            await store.put(key, b"new")
    monkeypatch.undo()
    assert temp_files(root) == []
    assert not await store.exists("documents/new") and await store.get("documents/kept") == b"old"


# --- choosing a backend ----------------------------------------------------------------------------------------


def test_blob_store_for_settings(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    local = blob_store_for(_load())
    assert isinstance(local, LocalBlobStore) and local.root == (tmp_path / "data" / "blobs").resolve()
    env.setenv("BLOB_URL", "s3://mpp-docs/prod?endpoint=http://127.0.0.1:9000&region=ap-southeast-3")
    s3 = blob_store_for(_load())
    assert isinstance(s3, S3BlobStore)
    assert (s3.bucket, s3.prefix, s3.endpoint_url, s3.region) == (
        "mpp-docs",
        "prod/",
        "http://127.0.0.1:9000",
        "ap-southeast-3",
    )


@pytest.mark.parametrize(
    "url",
    [
        "file://relative/path",
        "file://host/srv/blobs",
        "http://example.com/blobs",
        "s3://UPPER?endpoint=http://127.0.0.1:9000",
        "s3://bucket?endpoint=ftp://127.0.0.1",
        "s3://bucket?endpont=http://127.0.0.1:9000",
        "s3://bucket/../x",
        "s3://",
    ],
)
def test_bad_blob_urls_are_refused(url: str) -> None:
    with pytest.raises(BlobError):
        blob_store_from_url(url)
