"""From rows to answers, and the record of every read by someone other than the owner: shared by all readers."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg

from api.audit.service import record
from api.audit.service import record_read as record_staff_read
from api.lib.language import current_language, pick
from api.lib.wire import from_row
from api.wallet import attest, schemas
from api.wallet.service import cross_domain
from api.wallet.service.content import Wallet


def status_of(row: asyncpg.Record) -> schemas.Status:
    """The stored status, except that a document past its validity is ``expired`` (computed, never stored)."""
    if row["valid_until"] is not None and row["valid_until"] < dt.datetime.now(dt.UTC):
        return "expired"
    status: schemas.Status = row["status"]
    return status


async def attestation_info(
    conn: asyncpg.Connection, wallet: Wallet, document_id: uuid.UUID
) -> schemas.AttestationInfo | None:
    """The document's current attestation, with the URL its QR code holds."""
    row = await cross_domain.fetch_current_attestation(conn, document_id)
    if row is None:
        return None
    return from_row(
        schemas.AttestationInfo,
        row,
        agency=schemas.Ref(code=row["code"], name=pick(current_language(), row["name_id"], row["name_en"])),
        attested_at=row["created_at"],
        verification_url=attest.verification_url(wallet.public_base, row["token"]),
    )


async def to_document(conn: asyncpg.Connection, wallet: Wallet, row: asyncpg.Record) -> schemas.Document:
    """The answer for a row of ``cross_domain.SELECT_DOCUMENT``; catalogue names in the request's language."""
    lang = current_language()
    return from_row(
        schemas.Document,
        row,
        type=schemas.Ref(code=row["document_type"], name=pick(lang, row["type_name"], row["type_name_en"])),
        status=status_of(row),
        issued_by=schemas.Ref(code=row["issuer_code"], name=pick(lang, row["issuer_name"], row["issuer_name_en"]))
        if row["issuer_code"]
        else None,
        attestation=await attestation_info(conn, wallet, row["id"]),
    )


async def get(
    conn: asyncpg.Connection, wallet: Wallet, *, owner: uuid.UUID, document_id: uuid.UUID
) -> schemas.Document:
    """The owner's document (404 for anyone else's)."""
    return await to_document(conn, wallet, await cross_domain.fetch_own_document(conn, owner, document_id))


async def record_read(
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
    """An audit event about the owner for a read by an officer or through a share link (the owner's access log);
    a link's use count goes up in the same transaction."""
    async with conn.transaction():
        if link is not None:
            await conn.execute("UPDATE wallet_share_link SET uses = uses + 1 WHERE id = $1", link)
        detail: dict[str, Any] = {"document": str(row["id"]), "via": via, "type": row["document_type"]}
        if agency:
            detail["agency"] = agency
        if link is not None:
            detail["link"] = str(link)
        if actor is not None and via == "officer":
            # An officer's review loads a document's details and file, often more than once: the owner's log
            # keeps the first read per officer and document per hour (api.audit.service.record_read).
            await record_staff_read(
                conn, action=what, actor=actor, subject=row["owner"], item=row["id"], detail=detail, ip=ip
            )
        else:
            # A share link's every use is logged: anyone holding the link may be reading.
            await record(conn, action=what, actor=actor, subject=row["owner"], detail=detail, ip=ip)
