"""What an officer does with a document shared with their agency: read it (recorded), verify or reject it once."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg

from api.accounts.service import family_card_verified
from api.audit.service import record
from api.lib.staff import Officer
from api.outbox.service import enqueue
from api.wallet import schemas
from api.wallet.service import cross_domain, queries
from api.wallet.service.attestations import sign
from api.wallet.service.content import Content, Wallet, open_sealed, served
from api.wallet.service.documents import record_read, to_document
from api.wallet.service.errors import NotAFamilyCardError, ReasonRequiredError, ReviewConflictError

FAMILY_CARD = "KK"


async def _shared_row(conn: asyncpg.Connection, officer: Officer, document_id: uuid.UUID) -> asyncpg.Record:
    return await cross_domain.fetch_officer_document(
        conn, document_id, agency_code=officer.agency_code, region=officer.region
    )


async def officer_document(
    conn: asyncpg.Connection, wallet: Wallet, *, officer: Officer, document_id: uuid.UUID, ip: str
) -> schemas.Document:
    """A document shared with the officer's agency; the read goes into the owner's access log."""
    row = await _shared_row(conn, officer, document_id)
    await record_read(
        conn, row, actor=officer.id, via="officer", what="document.read", ip=ip, agency=officer.agency_code
    )
    return await to_document(conn, wallet, row)


async def officer_content(
    conn: asyncpg.Connection, wallet: Wallet, *, officer: Officer, document_id: uuid.UUID, ip: str
) -> Content:
    """The file of a document shared with the officer's agency; the read goes into the owner's access log."""
    row = await _shared_row(conn, officer, document_id)
    data = await open_sealed(wallet, row)
    await record_read(
        conn, row, actor=officer.id, via="officer", what="document.content", ip=ip, agency=officer.agency_code
    )
    return served(row, data)


async def review(
    conn: asyncpg.Connection,
    wallet: Wallet,
    *,
    officer: Officer,
    document_id: uuid.UUID,
    valid: bool,
    reason: str | None,
    ip: str,
    listed_niks: Sequence[str] | None = None,
) -> schemas.Document:
    """Verify (sign an attestation) or reject (with a reason) a document shared with the officer's agency.

    Once: a verified document is accepted by every agency without checking again, so a second review is a
    conflict — and so is a review racing another one (the row is locked).

    Verifying a family card (KK), the officer may record the NIKs it lists (``listed_niks``): they are kept in
    the ``verified`` history row with the content's hash, and the card then proves the owner's parental mandates
    over a child it lists — those waiting for an officer become active now, later ones at once
    (``family_card_listing``).
    """
    if not valid and not (reason and reason.strip()):
        raise ReasonRequiredError
    shared = await _shared_row(conn, officer, document_id)
    niks = sorted(set(listed_niks or ()))
    if niks and (not valid or shared["document_type"] != FAMILY_CARD):
        raise NotAFamilyCardError
    async with conn.transaction():
        row = await cross_domain.fetch_document(conn, document_id, lock=True)
        if row["status"] != "uploaded":
            raise ReviewConflictError(f"the document is already {row['status']}")
        if valid:
            await _verify(conn, wallet, officer, row)
        else:
            await queries.save_reviewed(conn, document_id, "rejected", reason.strip() if reason else None)
        listing = {"listed_niks": niks, "hash": row["content_hash"]} if niks else {}
        await _tell_owner(
            conn, officer, row, action="verified" if valid else "rejected", reason=reason, ip=ip, **listing
        )
        if niks:
            await family_card_verified(
                conn, owner=row["owner"], niks=niks, officer=officer.id, document=document_id, ip=ip
            )
    return await to_document(conn, wallet, await cross_domain.fetch_document(conn, document_id))


async def _verify(conn: asyncpg.Connection, wallet: Wallet, officer: Officer, row: asyncpg.Record) -> None:
    """Sign and store the agency's attestation of this version's content; the document is ``verified``."""
    agency = await cross_domain.fetch_agency(conn, code=officer.agency_code, region=officer.region)
    if agency is None:  # the officer's agency was removed from the catalogue while they were signed in
        raise ReviewConflictError(f"the agency {officer.agency_code} no longer exists in region {officer.region}")
    attestation_id, token = await sign(conn, wallet, row, kind="verified", agency=agency)
    await queries.save_attestation(
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
    await queries.save_reviewed(conn, row["id"], "verified")


async def _tell_owner(
    conn: asyncpg.Connection,
    officer: Officer,
    row: asyncpg.Record,
    *,
    action: str,
    reason: str | None,
    ip: str,
    **listing: object,
) -> None:
    """The review's history row, the owner's notification (outbox) and the audit event, in its transaction."""
    document_id = row["id"]
    await queries.save_event(
        conn, document_id, action, officer.id, agency=officer.agency_code, reason=reason, **listing
    )
    type_name = await cross_domain.fetch_document_type(conn, row["document_type"])
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


async def family_card_listing(conn: asyncpg.Connection, *, owner: uuid.UUID, niks: Sequence[str]) -> uuid.UUID | None:
    """The owner's verified family card (KK) whose officer-recorded listing holds every one of ``niks``, or None.

    Only the listing recorded when the card's current content was verified counts: a replaced file is
    ``uploaded`` again, and the listing of an earlier file proves nothing about it.
    """
    return await queries.fetch_family_card_listing(conn, owner=owner, document_type=FAMILY_CARD, niks=list(niks))
