"""The document wallet: upload once, verify once, reuse everywhere. No HTTP here.

Every stored file has passed ``sanitize`` (sniffed, re-encoded without metadata, or a checked PDF), is sealed
with its own data key (AES-256-GCM, the key wrapped by a master key) before it reaches the blob store, and
every change is a row in the document's append-only history. Reads by anyone but the owner are recorded in
the audit trail, which the owner lists as their access log.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import re
import secrets
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg

from api.audit.service import record
from api.lib.blobs import BlobStore
from api.lib.crypto import MasterKeys, Sealed, seal, unseal
from api.lib.keys import KeyRing
from api.lib.staff import Officer
from api.outbox.service import enqueue
from api.wallet import attest, schemas
from api.wallet.sanitize import CleanFile, sanitize

MB = 1024 * 1024


class UnknownDocumentTypeError(ValueError):
    """No such document type code."""


class DocumentNotFoundError(LookupError):
    """No such document for this caller (someone else's reads the same: no enumeration)."""


class ReviewConflictError(Exception):
    """The document was already reviewed, or changed meanwhile."""


class FileTooLargeError(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"larger than {limit} bytes")
        self.limit = limit


@dataclass(frozen=True)
class Wallet:
    """What the wallet needs from the process: keys, storage, and how to build public URLs."""

    master_keys: MasterKeys
    blobs: BlobStore
    key_ring: KeyRing
    issuer: str
    public_base: str
    max_upload_bytes: int


def display_title(file_name: str, fallback: str) -> str:
    """A label from the client's file name: letters, digits and simple punctuation only; never a path."""
    base = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFKC", base)
    base = re.sub(r"[^\w .()-]", "", base).strip(" .")[:120]
    return base or fallback


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _event(
    conn: asyncpg.Connection, document: uuid.UUID, action: str, actor: uuid.UUID | None, **detail: Any
) -> None:
    await conn.execute(
        "INSERT INTO wallet_document_event (document, at, actor, action, detail) VALUES ($1, now(), $2, $3, $4::jsonb)",
        document,
        actor,
        action,
        json.dumps(detail, default=str),
    )


async def _document_type(conn: asyncpg.Connection, code: str) -> asyncpg.Record:
    row = await conn.fetchrow("SELECT * FROM catalogue_document_type WHERE code = $1", code)
    if row is None:
        raise UnknownDocumentTypeError(code)
    return row


async def _clean(wallet: Wallet, doc_type: asyncpg.Record, data: bytes, media_type: str | None) -> CleanFile:
    limit = min(wallet.max_upload_bytes, int(doc_type["max_size_mb"]) * MB)
    if len(data) > limit:
        raise FileTooLargeError(limit)
    # Decoding and re-encoding images is CPU work: off the event loop, so other requests keep flowing.
    return await asyncio.to_thread(sanitize, data, declared_media_type=media_type, accepted=set(doc_type["formats"]))


def _valid_until(
    doc_type: asyncpg.Record, issued_on: dt.date | None, valid_until: dt.date | None
) -> dt.datetime | None:
    if valid_until is not None:
        return dt.datetime.combine(valid_until, dt.time(23, 59, 59), dt.UTC)
    months = doc_type["validity_months"]
    if months is None:
        return None
    start = issued_on or dt.date.today()
    year, month = divmod(start.month - 1 + months, 12)
    day = min(start.day, 28)
    return dt.datetime.combine(dt.date(start.year + year, month + 1, day), dt.time(23, 59, 59), dt.UTC)


def _context(doc_id: uuid.UUID, version: int) -> bytes:
    # Bound into the ciphertext: a blob cannot be swapped for another document's, or another version's.
    return doc_id.bytes + b"/v%d" % version


async def _put_sealed(wallet: Wallet, doc_id: uuid.UUID, version: int, content: bytes) -> tuple[str, Sealed]:
    sealed = seal(content, wallet.master_keys, context=_context(doc_id, version))
    key = f"documents/{doc_id}/v{version}"
    await wallet.blobs.put(key, sealed.ciphertext)
    return key, sealed


async def upload(
    conn: asyncpg.Connection,
    wallet: Wallet,
    *,
    owner: uuid.UUID,
    type_code: str,
    data: bytes,
    media_type: str | None,
    file_name: str,
    issued_on: dt.date | None = None,
    valid_until: dt.date | None = None,
) -> tuple[schemas.Document, bool]:
    """Store an upload; the same content uploaded again by the same owner is the same document."""
    doc_type = await _document_type(conn, type_code)
    clean = await _clean(wallet, doc_type, data, media_type)
    content_hash = hashlib.sha256(clean.content).hexdigest()
    existing = await conn.fetchval(
        "SELECT id FROM wallet_document WHERE owner = $1 AND content_hash = $2 AND deleted_at IS NULL",
        owner,
        content_hash,
    )
    if existing is not None:
        return await get(conn, wallet, owner=owner, document_id=existing), False
    doc_id = uuid.uuid4()
    blob_key, sealed = await _put_sealed(wallet, doc_id, 1, clean.content)
    try:
        async with conn.transaction():
            await conn.execute(
                """INSERT INTO wallet_document (id, owner, document_type, status, title, format, media_type, size,
                       pages, content_hash, blob_key, nonce, wrapped_key, key_id, version, valid_until, created_at,
                       updated_at)
                   VALUES ($1, $2, $3, 'uploaded', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, $14, now(), now())""",
                doc_id,
                owner,
                type_code,
                display_title(file_name, doc_type["name_id"]),
                clean.format,
                clean.media_type,
                len(clean.content),
                clean.pages,
                content_hash,
                blob_key,
                sealed.nonce,
                sealed.wrapped_key,
                sealed.key_id,
                _valid_until(doc_type, issued_on, valid_until),
            )
            await _event(conn, doc_id, "uploaded", owner, type=type_code, hash=content_hash, size=len(clean.content))
    except asyncpg.UniqueViolationError:
        # The same file, uploaded twice at once: the other upload won; ours leaves no orphan blob.
        await wallet.blobs.delete(blob_key)
        existing = await conn.fetchval(
            "SELECT id FROM wallet_document WHERE owner = $1 AND content_hash = $2 AND deleted_at IS NULL",
            owner,
            content_hash,
        )
        return await get(conn, wallet, owner=owner, document_id=existing), False
    except BaseException:
        await wallet.blobs.delete(blob_key)
        raise
    return await get(conn, wallet, owner=owner, document_id=doc_id), True


_SELECT = """
    SELECT d.*, t.name_id AS type_name, i.code AS issuer_code, i.name_id AS issuer_name
    FROM wallet_document d
    JOIN catalogue_document_type t ON t.code = d.document_type
    LEFT JOIN catalogue_agency i ON i.id = d.issued_by
"""


def _status(row: asyncpg.Record) -> schemas.Status:
    if row["valid_until"] is not None and row["valid_until"] < _now():
        return "expired"
    status: schemas.Status = row["status"]
    return status


async def _attestation(
    conn: asyncpg.Connection, wallet: Wallet, document_id: uuid.UUID
) -> schemas.AttestationInfo | None:
    row = await conn.fetchrow(
        """SELECT a.*, g.code, g.name_id FROM wallet_attestation a JOIN catalogue_agency g ON g.id = a.agency
           WHERE a.document = $1 AND a.revoked_at IS NULL ORDER BY a.created_at DESC LIMIT 1""",
        document_id,
    )
    if row is None:
        return None
    return schemas.AttestationInfo(
        id=row["id"],
        kind=row["kind"],
        agency=schemas.Ref(code=row["code"], name=row["name_id"]),
        attested_at=row["created_at"],
        token=row["token"],
        verification_url=attest.verification_url(wallet.public_base, row["token"]),
        valid_until=row["valid_until"],
    )


async def _document(conn: asyncpg.Connection, wallet: Wallet, row: asyncpg.Record) -> schemas.Document:
    return schemas.Document(
        id=row["id"],
        type=schemas.Ref(code=row["document_type"], name=row["type_name"]),
        status=_status(row),
        title=row["title"],
        format=row["format"],
        media_type=row["media_type"],
        size=row["size"],
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        pages=row["pages"],
        valid_until=row["valid_until"],
        rejection_reason=row["rejection_reason"],
        issued_by=schemas.Ref(code=row["issuer_code"], name=row["issuer_name"]) if row["issuer_code"] else None,
        attestation=await _attestation(conn, wallet, row["id"]),
    )


async def _own_row(conn: asyncpg.Connection, owner: uuid.UUID, document_id: uuid.UUID) -> asyncpg.Record:
    row = await conn.fetchrow(
        _SELECT + " WHERE d.id = $1 AND d.owner = $2 AND d.deleted_at IS NULL", document_id, owner
    )
    if row is None:
        raise DocumentNotFoundError(document_id)
    return row


async def get(
    conn: asyncpg.Connection, wallet: Wallet, *, owner: uuid.UUID, document_id: uuid.UUID
) -> schemas.Document:
    return await _document(conn, wallet, await _own_row(conn, owner, document_id))


async def detail(
    conn: asyncpg.Connection, wallet: Wallet, *, owner: uuid.UUID, document_id: uuid.UUID
) -> schemas.DocumentDetail:
    doc = await get(conn, wallet, owner=owner, document_id=document_id)
    consents = await conn.fetch(
        """SELECT c.*, g.code, g.name_id, g.region FROM wallet_consent c JOIN catalogue_agency g ON g.id = c.agency
           WHERE c.document = $1 ORDER BY c.created_at""",
        document_id,
    )
    links = await conn.fetch("SELECT * FROM wallet_share_link WHERE document = $1 ORDER BY created_at", document_id)
    return schemas.DocumentDetail(
        **{f: getattr(doc, f) for f in doc.__struct_fields__},
        consents=[
            schemas.ConsentInfo(
                id=c["id"],
                agency=schemas.Ref(code=c["code"], name=c["name_id"]),
                region=c["region"],
                purpose=c["purpose"],
                created_at=c["created_at"],
                application=c["application"],
                withdrawn_at=c["withdrawn_at"],
            )
            for c in consents
        ],
        links=[
            schemas.LinkInfo(
                id=r["id"],
                purpose=r["purpose"],
                created_at=r["created_at"],
                expires_at=r["expires_at"],
                uses=r["uses"],
                revoked_at=r["revoked_at"],
            )
            for r in links
        ],
    )


async def list_documents(conn: asyncpg.Connection, wallet: Wallet, *, owner: uuid.UUID) -> schemas.DocumentList:
    rows = await conn.fetch(_SELECT + " WHERE d.owner = $1 AND d.deleted_at IS NULL ORDER BY d.created_at DESC", owner)
    items = [await _document(conn, wallet, r) for r in rows]
    return schemas.DocumentList(items=items, total=len(items))


async def _open(wallet: Wallet, row: asyncpg.Record) -> bytes:
    sealed = Sealed(
        ciphertext=await wallet.blobs.get(row["blob_key"]),
        nonce=bytes(row["nonce"]),
        wrapped_key=bytes(row["wrapped_key"]),
        key_id=row["key_id"],
    )
    return unseal(sealed, wallet.master_keys, context=_context(row["id"], row["version"]))


@dataclass(frozen=True)
class Content:
    data: bytes
    media_type: str
    file_name: str


def _content(row: asyncpg.Record, data: bytes) -> Content:
    extension = {"jpeg": "jpg"}.get(row["format"], row["format"])
    return Content(
        data=data,
        media_type=row["media_type"],
        file_name=f"{row['document_type'].lower()}-{str(row['id'])[:8]}.{extension}",
    )


async def owner_content(
    conn: asyncpg.Connection, wallet: Wallet, *, owner: uuid.UUID, document_id: uuid.UUID
) -> Content:
    row = await _own_row(conn, owner, document_id)
    return _content(row, await _open(wallet, row))


async def replace_content(
    conn: asyncpg.Connection,
    wallet: Wallet,
    *,
    owner: uuid.UUID,
    document_id: uuid.UUID,
    data: bytes,
    media_type: str | None,
    file_name: str,
) -> schemas.Document:
    """New content for the same document: its verification is void (the QR now says revoked)."""
    row = await _own_row(conn, owner, document_id)
    if row["status"] == "issued":
        raise ReviewConflictError("an issued document cannot be replaced")
    clean = await _clean(wallet, await _document_type(conn, row["document_type"]), data, media_type)
    content_hash = hashlib.sha256(clean.content).hexdigest()
    version = row["version"] + 1
    blob_key, sealed = await _put_sealed(wallet, document_id, version, clean.content)
    try:
        async with conn.transaction():
            changed = await conn.fetchval(
                """UPDATE wallet_document SET status = 'uploaded', title = $3, format = $4, media_type = $5, size = $6,
                       pages = $7, content_hash = $8, blob_key = $9, nonce = $10, wrapped_key = $11, key_id = $12,
                       version = $13, rejection_reason = NULL, updated_at = now()
                   WHERE id = $1 AND owner = $2 AND version = $14 RETURNING id""",
                document_id,
                owner,
                display_title(file_name, row["title"]),
                clean.format,
                clean.media_type,
                len(clean.content),
                clean.pages,
                content_hash,
                blob_key,
                sealed.nonce,
                sealed.wrapped_key,
                sealed.key_id,
                version,
                row["version"],
            )
            if changed is None:
                raise ReviewConflictError("the document changed meanwhile")
            await conn.execute(
                "UPDATE wallet_attestation SET revoked_at = now(), revoke_reason = 'content_replaced' "
                "WHERE document = $1 AND revoked_at IS NULL",
                document_id,
            )
            await _event(conn, document_id, "replaced", owner, version=version, hash=content_hash)
    except BaseException:
        await wallet.blobs.delete(blob_key)
        raise
    await wallet.blobs.delete(row["blob_key"])
    return await get(conn, wallet, owner=owner, document_id=document_id)


async def delete(conn: asyncpg.Connection, wallet: Wallet, *, owner: uuid.UUID, document_id: uuid.UUID) -> None:
    """Remove a document: its file is destroyed and its attestation revoked; its history stays."""
    row = await _own_row(conn, owner, document_id)
    async with conn.transaction():
        await conn.execute(
            "UPDATE wallet_document SET deleted_at = now(), updated_at = now() WHERE id = $1", document_id
        )
        await conn.execute(
            "UPDATE wallet_attestation SET revoked_at = now(), revoke_reason = 'deleted' "
            "WHERE document = $1 AND revoked_at IS NULL",
            document_id,
        )
        await conn.execute(
            "UPDATE wallet_share_link SET revoked_at = now() WHERE document = $1 AND revoked_at IS NULL", document_id
        )
        await _event(conn, document_id, "deleted", owner)
    await wallet.blobs.delete(row["blob_key"])


# --- consent and sharing ---------------------------------------------------------------------------------


async def give_consent(
    conn: asyncpg.Connection,
    *,
    owner: uuid.UUID,
    document_id: uuid.UUID,
    agency_code: str,
    region: str,
    purpose: str,
    application: uuid.UUID | None = None,
) -> uuid.UUID:
    """Record that the owner lets an agency use this document for a purpose."""
    await _own_row(conn, owner, document_id)
    agency = await conn.fetchval(
        "SELECT id FROM catalogue_agency WHERE code = $1 AND region = $2", agency_code.upper(), region
    )
    if agency is None:
        raise UnknownDocumentTypeError(f"agency {agency_code} in region {region}")
    async with conn.transaction():
        consent: uuid.UUID = await conn.fetchval(
            """INSERT INTO wallet_consent (id, document, agency, purpose, application, created_at)
               VALUES ($1, $2, $3, $4, $5, now()) RETURNING id""",
            uuid.uuid4(),
            document_id,
            agency,
            purpose.strip(),
            application,
        )
        await _event(
            conn, document_id, "consent_given", owner, agency=agency_code.upper(), region=region, purpose=purpose
        )
    return consent


async def give_consents(
    conn: asyncpg.Connection,
    *,
    owner: uuid.UUID,
    documents: list[uuid.UUID],
    agency_id: uuid.UUID,
    purpose: str,
    application: uuid.UUID,
) -> None:
    """Consents for several documents at once (an application's attachments): two statements in all.

    The caller has checked that the documents are the owner's. A document already consented for this
    application keeps its consent.
    """
    await conn.execute(
        """WITH given AS (
               INSERT INTO wallet_consent (id, document, agency, purpose, application, created_at)
               SELECT gen_random_uuid(), d, $2, $3, $4, now() FROM unnest($1::uuid[]) AS d
               WHERE NOT EXISTS (SELECT 1 FROM wallet_consent c WHERE c.document = d AND c.application = $4
                                 AND c.withdrawn_at IS NULL)
               RETURNING document)
           INSERT INTO wallet_document_event (document, at, actor, action, detail)
           SELECT document, now(), $5, 'consent_given', jsonb_build_object('agency', $2::text, 'application',
                  $4::text, 'purpose', $3::text)
           FROM given""",
        documents,
        agency_id,
        purpose.strip(),
        application,
        owner,
    )


async def withdraw_consent(
    conn: asyncpg.Connection, *, owner: uuid.UUID, document_id: uuid.UUID, consent_id: uuid.UUID
) -> None:
    await _own_row(conn, owner, document_id)
    async with conn.transaction():
        done = await conn.fetchval(
            "UPDATE wallet_consent SET withdrawn_at = now() WHERE id = $1 AND document = $2 AND withdrawn_at IS NULL "
            "RETURNING id",
            consent_id,
            document_id,
        )
        if done is None:
            raise DocumentNotFoundError(consent_id)
        await _event(conn, document_id, "consent_withdrawn", owner, consent=str(consent_id))


async def create_link(
    conn: asyncpg.Connection, wallet: Wallet, *, owner: uuid.UUID, document_id: uuid.UUID, purpose: str, hours: int
) -> schemas.LinkInfo:
    await _own_row(conn, owner, document_id)
    token = secrets.token_urlsafe(32)
    async with conn.transaction():
        row = await conn.fetchrow(
            """INSERT INTO wallet_share_link (id, document, token_hash, purpose, created_at, expires_at, uses)
               VALUES ($1, $2, $3, $4, now(), now() + make_interval(hours => $5), 0) RETURNING *""",
            uuid.uuid4(),
            document_id,
            hashlib.sha256(token.encode()).hexdigest(),
            purpose.strip(),
            hours,
        )
        await _event(conn, document_id, "link_created", owner, link=str(row["id"]), hours=hours, purpose=purpose)
    return schemas.LinkInfo(
        id=row["id"],
        purpose=row["purpose"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        uses=0,
        url=f"{wallet.public_base.rstrip('/')}/api/v1/shared/{token}",
    )


async def revoke_link(
    conn: asyncpg.Connection, *, owner: uuid.UUID, document_id: uuid.UUID, link_id: uuid.UUID
) -> None:
    await _own_row(conn, owner, document_id)
    async with conn.transaction():
        done = await conn.fetchval(
            "UPDATE wallet_share_link SET revoked_at = now() WHERE id = $1 AND document = $2 AND revoked_at IS NULL "
            "RETURNING id",
            link_id,
            document_id,
        )
        if done is None:
            raise DocumentNotFoundError(link_id)
        await _event(conn, document_id, "link_revoked", owner, link=str(link_id))


async def _link_row(conn: asyncpg.Connection, token: str) -> asyncpg.Record:
    if not token or len(token) > 100:
        raise DocumentNotFoundError("link")
    row = await conn.fetchrow(
        _SELECT.replace(
            "FROM wallet_document d", "FROM wallet_share_link l JOIN wallet_document d ON d.id = l.document"
        ).replace(
            "SELECT d.*", "SELECT d.*, l.id AS link_id, l.purpose AS link_purpose, l.expires_at AS link_expires_at"
        )
        + " WHERE l.token_hash = $1 AND l.revoked_at IS NULL AND l.expires_at > now() AND d.deleted_at IS NULL",
        hashlib.sha256(token.encode()).hexdigest(),
    )
    if row is None:
        raise DocumentNotFoundError("link")
    return row


async def shared_document(conn: asyncpg.Connection, wallet: Wallet, *, token: str, ip: str) -> schemas.SharedDocument:
    row = await _link_row(conn, token)
    doc = await _document(conn, wallet, row)
    await _record_read(conn, row, actor=None, via="link", what="document.read", ip=ip, link=row["link_id"])
    verification = None
    if doc.attestation is not None:
        verification = await verify_token(conn, wallet, doc.attestation.token)
    return schemas.SharedDocument(
        type=doc.type,
        status=doc.status,
        media_type=doc.media_type,
        purpose=row["link_purpose"],
        expires_at=row["link_expires_at"],
        verification=verification,
    )


async def shared_content(conn: asyncpg.Connection, wallet: Wallet, *, token: str, ip: str) -> Content:
    row = await _link_row(conn, token)
    data = await _open(wallet, row)
    await _record_read(conn, row, actor=None, via="link", what="document.content", ip=ip, link=row["link_id"])
    return _content(row, data)


async def _record_read(
    conn: asyncpg.Connection,
    row: asyncpg.Record,
    *,
    actor: uuid.UUID | None,
    via: str,
    what: str,
    ip: str,
    agency: str | None = None,
    link: uuid.UUID | None = None,
) -> None:
    async with conn.transaction():
        if link is not None:
            await conn.execute("UPDATE wallet_share_link SET uses = uses + 1 WHERE id = $1", link)
        detail: dict[str, Any] = {"document": str(row["id"]), "via": via, "type": row["document_type"]}
        if agency:
            detail["agency"] = agency
        if link is not None:
            detail["link"] = str(link)
        await record(conn, action=what, actor=actor, subject=row["owner"], detail=detail, ip=ip)


# --- officers ------------------------------------------------------------------------------------------


async def _officer_row(conn: asyncpg.Connection, officer: Officer, document_id: uuid.UUID) -> asyncpg.Record:
    """The document, if its owner shared it with the officer's agency (in the officer's region) and has not
    withdrawn that consent. Anything else is 'not found': an officer cannot probe other agencies' files."""
    row = await conn.fetchrow(
        _SELECT
        + """ WHERE d.id = $1 AND d.deleted_at IS NULL AND EXISTS (
                SELECT 1 FROM wallet_consent c JOIN catalogue_agency g ON g.id = c.agency
                WHERE c.document = d.id AND c.withdrawn_at IS NULL AND g.code = $2 AND g.region = $3)""",
        document_id,
        officer.agency_code,
        officer.region,
    )
    if row is None:
        raise DocumentNotFoundError(document_id)
    return row


async def officer_document(
    conn: asyncpg.Connection, wallet: Wallet, *, officer: Officer, document_id: uuid.UUID, ip: str
) -> schemas.Document:
    row = await _officer_row(conn, officer, document_id)
    await _record_read(
        conn, row, actor=officer.id, via="officer", what="document.read", ip=ip, agency=officer.agency_code
    )
    return await _document(conn, wallet, row)


async def officer_content(
    conn: asyncpg.Connection, wallet: Wallet, *, officer: Officer, document_id: uuid.UUID, ip: str
) -> Content:
    row = await _officer_row(conn, officer, document_id)
    data = await _open(wallet, row)
    await _record_read(
        conn, row, actor=officer.id, via="officer", what="document.content", ip=ip, agency=officer.agency_code
    )
    return _content(row, data)


async def _attest(
    conn: asyncpg.Connection,
    wallet: Wallet,
    *,
    document_id: uuid.UUID,
    owner: uuid.UUID,
    document_type: str,
    document_type_name: str,
    content_hash: str | None,
    valid_until: dt.datetime | None,
    kind: attest.Kind,
    agency: asyncpg.Record,
) -> tuple[uuid.UUID, str]:
    """Sign an attestation; returns its id and token (the caller stores it with the document)."""
    nik = await conn.fetchval("SELECT nik FROM accounts_account WHERE id = $1", owner)
    salt = attest.new_salt() if nik else None
    attestation_id = uuid.uuid4()
    token = attest.sign(
        wallet.key_ring,
        issuer=wallet.issuer,
        fields=attest.AttestedFields(
            attestation_id=attestation_id,
            document_id=document_id,
            kind=kind,
            document_type=document_type,
            document_type_name=document_type_name,
            content_hash=content_hash,
            agency_code=agency["code"],
            agency_name=agency["name_id"],
            region=agency["region"],
            attested_at=_now(),
            valid_until=valid_until,
            nik_hash=attest.nik_hash(nik, salt) if nik and salt else None,
            nik_salt=salt,
        ),
    )
    return attestation_id, token


async def _store_attestation(
    conn: asyncpg.Connection,
    *,
    attestation_id: uuid.UUID,
    document_id: uuid.UUID,
    kind: str,
    agency_id: uuid.UUID,
    officer: uuid.UUID | None,
    content_hash: str,
    token: str,
    valid_until: dt.datetime | None,
) -> None:
    await conn.execute(
        """INSERT INTO wallet_attestation (id, document, kind, agency, officer, content_hash, token, valid_until,
                                           created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())""",
        attestation_id,
        document_id,
        kind,
        agency_id,
        officer,
        content_hash,
        token,
        valid_until,
    )


async def review(
    conn: asyncpg.Connection,
    wallet: Wallet,
    *,
    officer: Officer,
    document_id: uuid.UUID,
    valid: bool,
    reason: str | None,
    ip: str,
) -> schemas.Document:
    """Verify (sign an attestation) or reject (with a reason) a document shared with the officer's agency.

    Once: a verified document is accepted by every agency without checking again, so a second review is a
    conflict — and so is a review racing another one (the row is locked).
    """
    if not valid and not (reason and reason.strip()):
        raise ValueError("a rejection needs a reason the citizen can act on")
    await _officer_row(conn, officer, document_id)
    async with conn.transaction():
        row = await conn.fetchrow(_SELECT + " WHERE d.id = $1 FOR UPDATE OF d", document_id)
        if row["status"] != "uploaded":
            raise ReviewConflictError(f"the document is already {row['status']}")
        agency = await conn.fetchrow(
            "SELECT id, code, name_id, region FROM catalogue_agency WHERE code = $1 AND region = $2",
            officer.agency_code,
            officer.region,
        )
        if valid:
            attestation_id, token = await _attest(
                conn,
                wallet,
                document_id=row["id"],
                owner=row["owner"],
                document_type=row["document_type"],
                document_type_name=row["type_name"],
                content_hash=row["content_hash"],
                valid_until=row["valid_until"],
                kind="verified",
                agency=agency,
            )
            await _store_attestation(
                conn,
                attestation_id=attestation_id,
                document_id=row["id"],
                kind="verified",
                agency_id=agency["id"],
                officer=officer.id,
                content_hash=row["content_hash"],
                token=token,
                valid_until=row["valid_until"],
            )
            await conn.execute(
                "UPDATE wallet_document SET status = 'verified', updated_at = now() WHERE id = $1", document_id
            )
        else:
            await conn.execute(
                "UPDATE wallet_document SET status = 'rejected', rejection_reason = $2, updated_at = now() "
                "WHERE id = $1",
                document_id,
                reason.strip() if reason else None,
            )
        action = "verified" if valid else "rejected"
        await _event(conn, document_id, action, officer.id, agency=officer.agency_code, reason=reason)
        type_name = await conn.fetchrow(
            "SELECT name_id, name_en FROM catalogue_document_type WHERE code = $1", row["document_type"]
        )
        await enqueue(
            conn,
            topic=f"document.{action}",
            recipient=row["owner"],
            subject=document_id,
            payload={
                "document": str(document_id),
                "documentType": {"id": type_name["name_id"], "en": type_name["name_en"]},
                "region": officer.region,
            },
        )
        await record(
            conn,
            action=f"document.{action}",
            actor=officer.id,
            subject=row["owner"],
            detail={"document": str(document_id), "agency": officer.agency_code},
            ip=ip,
        )
    return await _document(conn, wallet, await conn.fetchrow(_SELECT + " WHERE d.id = $1", document_id))


async def issue(
    conn: asyncpg.Connection,
    wallet: Wallet,
    *,
    owner: uuid.UUID,
    type_code: str,
    render: Callable[[str], bytes],
    agency_id: uuid.UUID,
    officer: uuid.UUID | None,
    valid_until: dt.datetime | None,
    title: str,
) -> uuid.UUID:
    """Put an agency's result document into the citizen's wallet as ``issued``, attested.

    ``render(verification_url)`` makes the PDF: the attestation is signed first so that its QR code can be
    printed on the document itself.
    """
    doc_type = await _document_type(conn, type_code)
    agency = await conn.fetchrow("SELECT id, code, name_id, region FROM catalogue_agency WHERE id = $1", agency_id)
    doc_id = uuid.uuid4()
    attestation_id, token = await _attest(
        conn,
        wallet,
        document_id=doc_id,
        owner=owner,
        document_type=type_code,
        document_type_name=doc_type["name_id"],
        content_hash=None,
        valid_until=valid_until,
        kind="issued",
        agency=agency,
    )
    pdf = await asyncio.to_thread(render, attest.verification_url(wallet.public_base, token))
    clean = await asyncio.to_thread(sanitize, pdf, declared_media_type="application/pdf", accepted={"pdf"})
    content_hash = hashlib.sha256(clean.content).hexdigest()
    blob_key, sealed = await _put_sealed(wallet, doc_id, 1, clean.content)
    try:
        async with conn.transaction():
            await conn.execute(
                """INSERT INTO wallet_document (id, owner, document_type, status, title, format, media_type, size,
                       pages, content_hash, blob_key, nonce, wrapped_key, key_id, version, issued_by, valid_until,
                       created_at, updated_at)
                   VALUES ($1, $2, $3, 'issued', $4, 'pdf', 'application/pdf', $5, $6, $7, $8, $9, $10, $11, 1, $12,
                           $13, now(), now())""",
                doc_id,
                owner,
                type_code,
                title[:120] or doc_type["name_id"],
                len(clean.content),
                clean.pages,
                content_hash,
                blob_key,
                sealed.nonce,
                sealed.wrapped_key,
                sealed.key_id,
                agency_id,
                valid_until,
            )
            await _store_attestation(
                conn,
                attestation_id=attestation_id,
                document_id=doc_id,
                kind="issued",
                agency_id=agency_id,
                officer=officer,
                content_hash=content_hash,
                token=token,
                valid_until=valid_until,
            )
            await _event(conn, doc_id, "issued", officer, agency=agency["code"])
    except BaseException:
        await wallet.blobs.delete(blob_key)
        raise
    return doc_id


# --- public verification and the owner's access log ------------------------------------------------------


async def verify_token(conn: asyncpg.Connection, wallet: Wallet, token: str) -> schemas.Verification:
    """Signature and expiry (what an offline checker sees), plus revocation (what only we know)."""
    checked = attest.check_signature(wallet.key_ring, token, issuer=wallet.issuer)
    if checked.verdict == "invalid":
        return schemas.Verification(status="invalid")
    claims = checked.claims
    try:
        attestation_id = uuid.UUID(claims["jti"])
    except ValueError:
        return schemas.Verification(status="invalid")
    stored = await conn.fetchrow(
        "SELECT revoked_at, content_hash FROM wallet_attestation WHERE id = $1", attestation_id
    )
    status: Any = "revoked" if stored is not None and stored["revoked_at"] is not None else checked.verdict
    agency = claims.get("agency") or {}
    holder = claims.get("holder") or {}
    until = claims.get("validUntil")
    return schemas.Verification(
        status=status,
        kind=claims.get("kind"),
        document_type=claims.get("docType"),
        document_type_name=claims.get("docTypeName"),
        # An issued document's QR cannot sign the bytes it is printed on: the stored hash stands in, online.
        content_hash=claims.get("contentHash") or (stored["content_hash"] if stored is not None else None),
        agency=schemas.Ref(code=str(agency.get("code", "")), name=str(agency.get("name", ""))),
        region=agency.get("region"),
        attested_at=dt.datetime.fromtimestamp(int(claims["iat"]), dt.UTC) if "iat" in claims else None,
        valid_until=dt.datetime.fromtimestamp(int(until), dt.UTC) if until else None,
        holder_nik_hash=holder.get("nikHash"),
        holder_nik_salt=holder.get("salt"),
    )


async def access_log(conn: asyncpg.Connection, *, owner: uuid.UUID, limit: int = 500) -> schemas.AccessLog:
    """Who (officer and agency, or a share link) saw which of my documents, and when."""
    rows = await conn.fetch(
        """SELECT e.at, e.action, e.detail, a.name AS actor_name, g.name_id AS agency_name
           FROM audit_event e
           LEFT JOIN accounts_account a ON a.id = e.actor
           LEFT JOIN catalogue_agency g ON g.code = e.detail->>'agency' AND g.region = a.region
           WHERE e.subject = $1 AND e.action = ANY($3::text[])
           ORDER BY e.at DESC LIMIT $2""",
        owner,
        limit,
        ["document.read", "document.content", "application.read"],
    )
    items = []
    for r in rows:
        detail = json.loads(r["detail"])
        agency = detail.get("agency")
        items.append(
            schemas.AccessEntry(
                at=r["at"],
                what=r["action"],
                document=uuid.UUID(detail["document"]) if detail.get("document") else None,
                via=detail.get("via"),
                agency=schemas.Ref(code=agency, name=r["agency_name"] or agency) if agency else None,
                actor=r["actor_name"] or None,
            )
        )
    return schemas.AccessLog(items=items, total=len(items))


async def mark_reminders(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Documents expiring within 30 days whose owner has not been reminded: remind them, once.

    The reminder goes into the outbox in the same transaction as the mark: never marked and not sent.
    """
    async with conn.transaction():
        rows: list[asyncpg.Record] = await conn.fetch(
            """UPDATE wallet_document d SET reminded_at = now()
               FROM catalogue_document_type t
               WHERE t.code = d.document_type AND d.deleted_at IS NULL AND d.reminded_at IS NULL
                 AND d.valid_until IS NOT NULL AND d.valid_until BETWEEN now() AND now() + interval '30 days'
               RETURNING d.id, d.owner, d.document_type, d.valid_until, t.name_id, t.name_en"""
        )
        for row in rows:
            await enqueue(
                conn,
                topic="document.expiring",
                recipient=row["owner"],
                subject=row["id"],
                payload={
                    "document": str(row["id"]),
                    "documentType": {"id": row["name_id"], "en": row["name_en"]},
                    "validUntil": row["valid_until"].isoformat(),
                },
            )
    return rows
