"""What a citizen does with their own documents: upload, list, read, replace, delete; their access log."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass

import asyncpg

from api.lib.language import current_language, pick
from api.lib.wire import from_row
from api.outbox.service import enqueue
from api.wallet import attest, schemas
from api.wallet.service import cross_domain, queries
from api.wallet.service.content import (
    Content,
    Wallet,
    clean,
    content_hash,
    display_title,
    kept_if_recorded,
    open_sealed,
    seal_and_store,
    served,
)
from api.wallet.service.documents import get, to_document
from api.wallet.service.errors import (
    DocumentNotFoundError,
    IssuedDocumentError,
    NotAttestedError,
    ReviewConflictError,
)

# What the access log lists: reads of a document (officers, share links) and of an application.
ACCESS_LOG_ACTIONS = ["document.read", "document.content", "application.read", "complaint.read"]


def _valid_until(
    doc_type: asyncpg.Record, issued_on: dt.date | None, valid_until: dt.date | None
) -> dt.datetime | None:
    """The end of the day the citizen gave, or the type's validity counted from the issue date (or today)."""
    if valid_until is not None:
        return dt.datetime.combine(valid_until, dt.time(23, 59, 59), dt.UTC)
    months = doc_type["validity_months"]
    if months is None:
        return None
    start = issued_on or dt.date.today()
    year, month = divmod(start.month - 1 + months, 12)
    day = min(start.day, 28)
    return dt.datetime.combine(dt.date(start.year + year, month + 1, day), dt.time(23, 59, 59), dt.UTC)


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
    """Store an upload; the same content uploaded again by the same owner is the same document (False)."""
    doc_type = await cross_domain.fetch_document_type(conn, type_code)
    file = await clean(wallet, doc_type, data, media_type)
    digest = content_hash(file.content)
    existing = await queries.fetch_duplicate(conn, owner, digest)
    if existing is not None:
        return await get(conn, wallet, owner=owner, document_id=existing), False
    doc_id = uuid.uuid4()
    stored = await seal_and_store(wallet, doc_id, 1, file)
    try:
        async with kept_if_recorded(wallet, stored.blob_key), conn.transaction():
            title = display_title(file_name, doc_type["name_id"])
            until = _valid_until(doc_type, issued_on, valid_until)
            await queries.save_document(conn, doc_id, owner, type_code, title, stored, until)
            await queries.save_event(
                conn, doc_id, "uploaded", owner, type=type_code, hash=digest, size=len(file.content)
            )
    except asyncpg.UniqueViolationError:
        # The same file, uploaded twice at once: the other upload won; ours left no orphan blob.
        existing = await queries.fetch_duplicate(conn, owner, digest)
        if existing is None:  # and the winner was deleted meanwhile
            raise DocumentNotFoundError from None
        return await get(conn, wallet, owner=owner, document_id=existing), False
    return await get(conn, wallet, owner=owner, document_id=doc_id), True


async def detail(
    conn: asyncpg.Connection, wallet: Wallet, *, owner: uuid.UUID, document_id: uuid.UUID
) -> schemas.DocumentDetail:
    """The document with everyone it is shared with: consents (agencies) and share links."""
    doc = await get(conn, wallet, owner=owner, document_id=document_id)
    consents = await cross_domain.fetch_consents(conn, document_id)
    links = await queries.fetch_links(conn, document_id)
    return schemas.DocumentDetail(
        **{f: getattr(doc, f) for f in doc.__struct_fields__},
        consents=[
            from_row(
                schemas.ConsentInfo,
                c,
                agency=schemas.Ref(code=c["code"], name=pick(current_language(), c["name_id"], c["name_en"])),
            )
            for c in consents
        ],
        links=[from_row(schemas.LinkInfo, r, url=None) for r in links],
    )


async def list_documents(conn: asyncpg.Connection, wallet: Wallet, *, owner: uuid.UUID) -> schemas.DocumentList:
    rows = await cross_domain.fetch_own_documents(conn, owner)
    items = [await to_document(conn, wallet, r) for r in rows]
    return schemas.DocumentList(items=items, total=len(items))


async def owner_content(
    conn: asyncpg.Connection, wallet: Wallet, *, owner: uuid.UUID, document_id: uuid.UUID
) -> Content:
    row = await cross_domain.fetch_own_document(conn, owner, document_id)
    return served(row, await open_sealed(wallet, row))


async def attestation_qr(
    conn: asyncpg.Connection, wallet: Wallet, *, owner: uuid.UUID, document_id: uuid.UUID
) -> bytes:
    """The SVG QR code of the document's attestation (verified or issued documents only)."""
    document = await get(conn, wallet, owner=owner, document_id=document_id)
    if document.attestation is None:
        raise NotAttestedError
    return attest.qr_svg(document.attestation.verification_url)


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
    row = await cross_domain.fetch_own_document(conn, owner, document_id)
    if row["status"] == "issued":
        raise IssuedDocumentError("replaced")
    file = await clean(wallet, await cross_domain.fetch_document_type(conn, row["document_type"]), data, media_type)
    version = row["version"] + 1
    stored = await seal_and_store(wallet, document_id, version, file)
    async with kept_if_recorded(wallet, stored.blob_key), conn.transaction():
        title = display_title(file_name, row["title"])
        if not await queries.save_new_version(conn, row=row, title=title, stored=stored):
            raise ReviewConflictError("the document changed meanwhile")
        await queries.save_revoked(conn, document_id, "content_replaced")
        await queries.save_event(conn, document_id, "replaced", owner, version=version, hash=stored.content_hash)
    await wallet.blobs.delete(row["blob_key"])
    return await get(conn, wallet, owner=owner, document_id=document_id)


async def delete(conn: asyncpg.Connection, wallet: Wallet, *, owner: uuid.UUID, document_id: uuid.UUID) -> None:
    """Remove a document: its file is destroyed and its attestation revoked; its history stays. An issued
    document stays: deleting it would revoke the agency's attestation of a result the citizen was given."""
    row = await cross_domain.fetch_own_document(conn, owner, document_id)
    if row["status"] == "issued":
        raise IssuedDocumentError("deleted")
    async with conn.transaction():
        await queries.save_deleted(conn, document_id)
        await queries.save_revoked(conn, document_id, "deleted")
        await queries.save_event(conn, document_id, "deleted", owner)
    await wallet.blobs.delete(row["blob_key"])


@dataclass(frozen=True)
class HeldDocument:
    """A document the owner holds, as applying checks it against a service's requirements (no content)."""

    id: uuid.UUID
    document_type: str
    status: str
    valid_until: dt.datetime | None
    title: str
    created_at: dt.datetime


async def documents_of_types(conn: asyncpg.Connection, *, owner: uuid.UUID, types: list[str]) -> list[HeldDocument]:
    """The owner's documents of these types, newest first (deleted ones left out); needs no ``Wallet`` runtime."""
    return [HeldDocument(**dict(r)) for r in await queries.fetch_of_types(conn, owner, types)]


async def access_log(conn: asyncpg.Connection, *, owner: uuid.UUID, limit: int = 500) -> schemas.AccessLog:
    """Who (officer and agency, or a share link) saw which of my documents, and when."""
    rows = await cross_domain.fetch_access_log(conn, owner, actions=ACCESS_LOG_ACTIONS, limit=limit)
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
                agency=schemas.Ref(
                    code=agency, name=pick(current_language(), r["agency_name"] or agency, r["agency_name_en"])
                )
                if agency
                else None,
                actor=r["actor_name"] or None,
            )
        )
    return schemas.AccessLog(items=items, total=len(items))


async def mark_reminders(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Documents expiring within 30 days whose owner has not been reminded: remind them, once.

    The reminder goes into the outbox in the same transaction as the mark: never marked and not sent.
    """
    async with conn.transaction():
        rows = await cross_domain.mark_expiring(conn)
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
