"""The wallet's part of a citizen's data rights (UU 27/2022): the export and the erasure.

The export reads one document at a time (``export_files``), so an archive of many documents never holds more
than one of them in memory. The erasure destroys every blob the account ever had — each version of each
document, deleted ones too, in case a crash left one behind — and keeps only rows without personal content:
a document's type, format, size and hash, its append-only history, and the consents that applications name.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import msgspec

from api.lib.blobs import BlobStore
from api.wallet.service import cross_domain
from api.wallet.service.content import Content, Wallet, open_sealed, served
from api.wallet.service.documents import to_document


async def export_index(conn: asyncpg.Connection, wallet: Wallet, *, owner: uuid.UUID) -> list[dict[str, object]]:
    """Each live document's metadata as the wallet answers it, with ``file``: its name in the archive."""
    index = []
    for row in await cross_domain.fetch_own_documents(conn, owner):
        document = msgspec.to_builtins(await to_document(conn, wallet, row))
        document["file"] = "documents/" + served(row, b"").file_name
        index.append(document)
    return index


async def export_files(conn: asyncpg.Connection, wallet: Wallet, *, owner: uuid.UUID) -> AsyncIterator[Content]:
    """The plaintext of each live document, one at a time, byte for byte what ``owner_content`` serves."""
    ids = [r["id"] for r in await cross_domain.fetch_own_documents(conn, owner)]
    for document_id in ids:
        try:
            row = await cross_domain.fetch_own_document(conn, owner, document_id)
        except LookupError:  # deleted while the archive was being written
            continue
        yield served(row, await open_sealed(wallet, row))


async def export_sharing(conn: asyncpg.Connection, *, owner: uuid.UUID) -> dict[str, list[dict[str, object]]]:
    """Consents given to agencies (withdrawn ones too) and share links, for every document the owner had.

    A link's token is never stored (only its hash), so the export cannot and does not contain it.
    """
    consents = await conn.fetch(
        """SELECT c.id, c.document, g.code AS agency, g.region, c.purpose, c.application, c.created_at,
                  c.withdrawn_at
           FROM wallet_consent c JOIN wallet_document d ON d.id = c.document
           JOIN catalogue_agency g ON g.id = c.agency
           WHERE d.owner = $1 ORDER BY c.created_at""",
        owner,
    )
    links = await conn.fetch(
        """SELECT l.id, l.document, l.purpose, l.created_at, l.expires_at, l.revoked_at, l.uses
           FROM wallet_share_link l JOIN wallet_document d ON d.id = l.document
           WHERE d.owner = $1 ORDER BY l.created_at""",
        owner,
    )
    return {"consents": [dict(r) for r in consents], "shareLinks": [dict(r) for r in links]}


async def erase(conn: asyncpg.Connection, blobs: BlobStore, *, owner: uuid.UUID) -> dict[str, int]:
    """Destroy every blob of the owner's documents, then strip the rows of what could identify the person.

    Blobs go first: deleting one is idempotent, so if the transaction around this fails the erasure simply runs
    again. Attestations of uploads the citizen had verified are revoked (their file is gone); those of result
    documents an agency issued stay valid, so a printed result can still be checked against its QR code.
    """
    rows = await conn.fetch("SELECT id, version FROM wallet_document WHERE owner = $1", owner)
    deleted = 0
    for row in rows:
        for version in range(1, row["version"] + 1):
            await blobs.delete(f"documents/{row['id']}/v{version}")
            deleted += 1
    ids = [r["id"] for r in rows]
    await conn.execute(
        "UPDATE wallet_share_link SET revoked_at = now() WHERE document = ANY($1::uuid[]) AND revoked_at IS NULL",
        ids,
    )
    await conn.execute(
        """UPDATE wallet_attestation SET revoked_at = now(), revoke_reason = 'account_erased'
           WHERE document = ANY($1::uuid[]) AND kind = 'verified' AND revoked_at IS NULL""",
        ids,
    )
    # The sealing material goes too: without the wrapped data key no copy of a blob (a backup) can be opened.
    await conn.execute(
        """UPDATE wallet_document SET title = '', rejection_reason = NULL, nonce = '', wrapped_key = '',
                  deleted_at = coalesce(deleted_at, now()), updated_at = now()
           WHERE owner = $1""",
        owner,
    )
    return {"documents": len(rows), "blobsDeleted": deleted}
