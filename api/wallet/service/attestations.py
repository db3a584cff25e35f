"""Attestations: signing an agency's word about a document, issuing result documents, checking a QR's token.

The signed token and its verification URL are ``api.wallet.attest``'s; here is what the wallet stores and
looks up around them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import asyncpg

from api.accounts.service import get_me
from api.wallet import attest, schemas
from api.wallet.sanitize import sanitize
from api.wallet.service import cross_domain, queries
from api.wallet.service.content import Wallet, kept_if_recorded, seal_and_store


async def sign(
    conn: asyncpg.Connection,
    wallet: Wallet,
    document: Mapping[str, Any],
    *,
    kind: attest.Kind,
    agency: asyncpg.Record,
) -> tuple[uuid.UUID, str]:
    """Sign an attestation of ``document`` (a row of ``SELECT_DOCUMENT``, or the same keys: ``id``, ``owner``,
    ``document_type``, ``type_name``, ``content_hash``, ``valid_until``) by ``agency`` (``code``, ``name_id``,
    ``region``). Returns its id and token; the caller stores it with the document.

    The token carries a salted hash of the holder's NIK, when the account has one.
    """
    nik = (await get_me(conn, document["owner"])).nik
    salt = attest.new_salt() if nik else None
    attestation_id = uuid.uuid4()
    token = attest.sign(
        wallet.key_ring,
        issuer=wallet.issuer,
        fields=attest.AttestedFields(
            attestation_id=attestation_id,
            document_id=document["id"],
            kind=kind,
            document_type=document["document_type"],
            document_type_name=document["type_name"],
            content_hash=document["content_hash"],
            agency_code=agency["code"],
            agency_name=agency["name_id"],
            region=agency["region"],
            attested_at=dt.datetime.now(dt.UTC),
            valid_until=document["valid_until"],
            nik_hash=attest.nik_hash(nik, salt) if nik and salt else None,
            nik_salt=salt,
        ),
    )
    return attestation_id, token


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
    doc_type = await cross_domain.fetch_document_type(conn, type_code)
    agency = await cross_domain.fetch_agency_by_id(conn, agency_id)
    doc_id = uuid.uuid4()
    # Signed before the document exists: its content hash cannot be in the token (see attest.AttestedFields).
    unborn = {"id": doc_id, "owner": owner, "document_type": type_code, "type_name": doc_type["name_id"]}
    attestation_id, token = await sign(
        conn, wallet, {**unborn, "content_hash": None, "valid_until": valid_until}, kind="issued", agency=agency
    )
    # Rendering and checking a PDF are CPU work: off the event loop.
    pdf = await asyncio.to_thread(render, attest.verification_url(wallet.public_base, token))
    file = await asyncio.to_thread(sanitize, pdf, declared_media_type="application/pdf", accepted={"pdf"})
    stored = await seal_and_store(wallet, doc_id, 1, file)
    async with kept_if_recorded(wallet, stored.blob_key), conn.transaction():
        title = title[:120] or doc_type["name_id"]
        await queries.save_document(conn, doc_id, owner, type_code, title, stored, valid_until, issued_by=agency_id)
        await queries.save_attestation(
            conn,
            attestation_id=attestation_id,
            document_id=doc_id,
            kind="issued",
            agency_id=agency_id,
            officer=officer,
            content_hash=stored.content_hash,
            token=token,
            valid_until=valid_until,
        )
        await queries.save_event(conn, doc_id, "issued", officer, agency=agency["code"])
    return doc_id


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
    stored = await queries.fetch_attestation_state(conn, attestation_id)
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
