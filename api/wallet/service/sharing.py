"""Sharing a document: consents for agencies (what officers may see) and time-limited links for third parties."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass

import asyncpg

from api.lib.wire import from_row
from api.wallet import schemas
from api.wallet.service import cross_domain, queries
from api.wallet.service.attestations import verify_token
from api.wallet.service.content import Content, Wallet, open_sealed, served
from api.wallet.service.documents import record_read, to_document
from api.wallet.service.errors import DocumentNotFoundError, UnknownAgencyError


def _token_hash(token: str) -> str:
    # Only the hash of a link's token is stored: a leaked table opens no document.
    return hashlib.sha256(token.encode()).hexdigest()


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
    await cross_domain.fetch_own_document(conn, owner, document_id)
    agency = await cross_domain.fetch_agency(conn, code=agency_code.upper(), region=region)
    if agency is None:
        raise UnknownAgencyError(agency_code, region)
    async with conn.transaction():
        consent = await queries.save_consent(
            conn, document_id=document_id, agency_id=agency["id"], purpose=purpose.strip(), application=application
        )
        await queries.save_event(
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
    await conn.execute(queries.GIVE_APPLICATION_CONSENTS, documents, agency_id, purpose.strip(), application, owner)


@dataclass(frozen=True)
class _Ending:
    """How one kind of grant ends: ``statement`` takes its id and the document's and returns the id only if it
    ended it now; ``action`` is the history row's; ``kind`` names the id in the row's detail."""

    statement: str
    action: str
    kind: str


_WITHDRAWAL = _Ending(queries.WITHDRAW_CONSENT, "consent_withdrawn", "consent")
_REVOCATION = _Ending(queries.REVOKE_LINK, "link_revoked", "link")


async def _end(
    conn: asyncpg.Connection, ending: _Ending, *, owner: uuid.UUID, document_id: uuid.UUID, target: uuid.UUID
) -> None:
    """End one consent or link of the owner's document, once; an unknown or already ended one is 404."""
    await cross_domain.fetch_own_document(conn, owner, document_id)
    async with conn.transaction():
        if await conn.fetchval(ending.statement, target, document_id) is None:
            raise DocumentNotFoundError
        await queries.save_event(conn, document_id, ending.action, owner, **{ending.kind: str(target)})


async def withdraw_consent(
    conn: asyncpg.Connection, *, owner: uuid.UUID, document_id: uuid.UUID, consent_id: uuid.UUID
) -> None:
    """Stop an agency's future use of the document."""
    await _end(conn, _WITHDRAWAL, owner=owner, document_id=document_id, target=consent_id)


async def revoke_link(
    conn: asyncpg.Connection, *, owner: uuid.UUID, document_id: uuid.UUID, link_id: uuid.UUID
) -> None:
    """The link stops working at once."""
    await _end(conn, _REVOCATION, owner=owner, document_id=document_id, target=link_id)


async def create_link(
    conn: asyncpg.Connection, wallet: Wallet, *, owner: uuid.UUID, document_id: uuid.UUID, purpose: str, hours: int
) -> schemas.LinkInfo:
    """A time-limited link for a third party; its URL is in this answer only (the token is not stored)."""
    await cross_domain.fetch_own_document(conn, owner, document_id)
    token = secrets.token_urlsafe(32)
    async with conn.transaction():
        row = await queries.save_link(
            conn, document_id=document_id, token_hash=_token_hash(token), purpose=purpose.strip(), hours=hours
        )
        await queries.save_event(
            conn, document_id, "link_created", owner, link=str(row["id"]), hours=hours, purpose=purpose
        )
    return from_row(schemas.LinkInfo, row, url=f"{wallet.public_base.rstrip('/')}/api/v1/shared/{token}")


async def _link_row(conn: asyncpg.Connection, token: str) -> asyncpg.Record:
    if not token or len(token) > 100:
        raise DocumentNotFoundError
    return await cross_domain.fetch_shared_document(conn, _token_hash(token))


async def shared_document(conn: asyncpg.Connection, wallet: Wallet, *, token: str, ip: str) -> schemas.SharedDocument:
    """What a share link shows: the document's type and status, and its attestation checked (never the file)."""
    row = await _link_row(conn, token)
    doc = await to_document(conn, wallet, row)
    await record_read(conn, row, actor=None, via="link", what="document.read", ip=ip, link=row["link_id"])
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
    data = await open_sealed(wallet, row)
    await record_read(conn, row, actor=None, via="link", what="document.content", ip=ip, link=row["link_id"])
    return served(row, data)
