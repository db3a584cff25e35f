"""The statements on the wallet's own tables: ``fetch_*`` read, ``save_*`` write (no rules here).

Statements that also read another domain's tables are in ``cross_domain.py``. Every change of a document is
a row in ``wallet_document_event`` (append-only: the database refuses UPDATE and DELETE on it), written by
``save_event`` in the transaction of the change.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import asyncpg

from api.wallet.service.content import StoredFile


async def fetch_of_types(conn: asyncpg.Connection, owner: uuid.UUID, types: list[str]) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(
        """SELECT id, document_type, status, valid_until, title, created_at FROM wallet_document
           WHERE owner = $1 AND deleted_at IS NULL AND document_type = ANY($2::text[])
           ORDER BY created_at DESC""",
        owner,
        types,
    )
    return rows


async def save_event(
    conn: asyncpg.Connection, document: uuid.UUID, action: str, actor: uuid.UUID | None, **detail: Any
) -> None:
    """One row of the document's history."""
    await conn.execute(
        "INSERT INTO wallet_document_event (document, at, actor, action, detail) VALUES ($1, now(), $2, $3, $4::jsonb)",
        document,
        actor,
        action,
        json.dumps(detail, default=str),
    )


# --- documents -------------------------------------------------------------------------------------------


async def fetch_duplicate(conn: asyncpg.Connection, owner: uuid.UUID, content_hash: str) -> uuid.UUID | None:
    """The owner's live document with this content, if any (the same file uploaded again is that document)."""
    found: uuid.UUID | None = await conn.fetchval(
        "SELECT id FROM wallet_document WHERE owner = $1 AND content_hash = $2 AND deleted_at IS NULL",
        owner,
        content_hash,
    )
    return found


def _version_values(title: str, stored: StoredFile) -> tuple[Any, ...]:
    """The columns of a document that describe its current version, in the order both statements use."""
    file, sealed = stored.file, stored.sealed
    return (
        title,
        file.format,
        file.media_type,
        len(file.content),
        file.pages,
        stored.content_hash,
        stored.blob_key,
        sealed.nonce,
        sealed.wrapped_key,
        sealed.key_id,
    )


async def save_document(
    conn: asyncpg.Connection,
    doc_id: uuid.UUID,
    owner: uuid.UUID,
    type_code: str,
    title: str,
    stored: StoredFile,
    valid_until: dt.datetime | None,
    issued_by: uuid.UUID | None = None,
) -> None:
    """A new document at version 1: ``issued`` if an agency issued it (``issued_by``), else ``uploaded``."""
    await conn.execute(
        """INSERT INTO wallet_document (id, owner, document_type, status, title, format, media_type, size,
               pages, content_hash, blob_key, nonce, wrapped_key, key_id, version, issued_by, valid_until,
               created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1, $15, $16, now(), now())""",
        doc_id,
        owner,
        type_code,
        "uploaded" if issued_by is None else "issued",
        *_version_values(title, stored),
        issued_by,
        valid_until,
    )


async def save_new_version(conn: asyncpg.Connection, *, row: asyncpg.Record, title: str, stored: StoredFile) -> bool:
    """The next version of the document in ``row``, back to ``uploaded``; False if it changed since ``row``."""
    changed = await conn.fetchval(
        """UPDATE wallet_document SET status = 'uploaded', title = $3, format = $4, media_type = $5, size = $6,
               pages = $7, content_hash = $8, blob_key = $9, nonce = $10, wrapped_key = $11, key_id = $12,
               version = $13, rejection_reason = NULL, updated_at = now()
           WHERE id = $1 AND owner = $2 AND version = $14 RETURNING id""",
        row["id"],
        row["owner"],
        *_version_values(title, stored),
        row["version"] + 1,
        row["version"],
    )
    return changed is not None


async def save_reviewed(
    conn: asyncpg.Connection, document_id: uuid.UUID, status: str, rejection_reason: str | None = None
) -> None:
    """``verified``, or ``rejected`` with the reason the citizen sees."""
    await conn.execute(
        "UPDATE wallet_document SET status = $2, rejection_reason = coalesce($3, rejection_reason), "
        "updated_at = now() WHERE id = $1",
        document_id,
        status,
        rejection_reason,
    )


async def fetch_family_card_listing(
    conn: asyncpg.Connection, *, owner: uuid.UUID, document_type: str, niks: list[str]
) -> uuid.UUID | None:
    """The newest verified, undeleted document of this type and owner whose ``verified`` history row (for its
    current content) lists all ``niks``."""
    found: uuid.UUID | None = await conn.fetchval(
        """SELECT d.id FROM wallet_document d
           JOIN LATERAL (SELECT detail FROM wallet_document_event e
                         WHERE e.document = d.id AND e.action = 'verified' ORDER BY e.at DESC, e.id DESC LIMIT 1) v
             ON true
           WHERE d.owner = $1 AND d.document_type = $2 AND d.status = 'verified' AND d.deleted_at IS NULL
             AND v.detail->>'hash' = d.content_hash AND v.detail->'listed_niks' @> to_jsonb($3::text[])
           ORDER BY d.updated_at DESC LIMIT 1""",
        owner,
        document_type,
        niks,
    )
    return found


async def save_deleted(conn: asyncpg.Connection, document_id: uuid.UUID) -> None:
    """The document is gone for its owner; its share links stop working (attestations: ``save_revoked``)."""
    await conn.execute("UPDATE wallet_document SET deleted_at = now(), updated_at = now() WHERE id = $1", document_id)
    await conn.execute(
        "UPDATE wallet_share_link SET revoked_at = now() WHERE document = $1 AND revoked_at IS NULL", document_id
    )


# --- attestations ----------------------------------------------------------------------------------------


async def save_attestation(
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


async def save_revoked(conn: asyncpg.Connection, document_id: uuid.UUID, reason: str) -> None:
    """Revoke the document's live attestations: its QR code now checks as ``revoked``."""
    await conn.execute(
        "UPDATE wallet_attestation SET revoked_at = now(), revoke_reason = $2 "
        "WHERE document = $1 AND revoked_at IS NULL",
        document_id,
        reason,
    )


async def fetch_attestation_state(conn: asyncpg.Connection, attestation_id: uuid.UUID) -> asyncpg.Record | None:
    """``revoked_at`` and ``content_hash`` of a stored attestation."""
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT revoked_at, content_hash FROM wallet_attestation WHERE id = $1", attestation_id
    )
    return row


# --- consents and share links ----------------------------------------------------------------------------

WITHDRAW_CONSENT = (
    "UPDATE wallet_consent SET withdrawn_at = now() WHERE id = $1 AND document = $2 AND withdrawn_at IS NULL "
    "RETURNING id"
)
REVOKE_LINK = (
    "UPDATE wallet_share_link SET revoked_at = now() WHERE id = $1 AND document = $2 AND revoked_at IS NULL "
    "RETURNING id"
)


async def save_consent(
    conn: asyncpg.Connection,
    *,
    document_id: uuid.UUID,
    agency_id: uuid.UUID,
    purpose: str,
    application: uuid.UUID | None,
) -> uuid.UUID:
    consent: uuid.UUID = await conn.fetchval(
        """INSERT INTO wallet_consent (id, document, agency, purpose, application, created_at)
           VALUES ($1, $2, $3, $4, $5, now()) RETURNING id""",
        uuid.uuid4(),
        document_id,
        agency_id,
        purpose,
        application,
    )
    return consent


GIVE_APPLICATION_CONSENTS = """WITH given AS (
               INSERT INTO wallet_consent (id, document, agency, purpose, application, created_at)
               SELECT gen_random_uuid(), d, $2, $3, $4, now() FROM unnest($1::uuid[]) AS d
               WHERE NOT EXISTS (SELECT 1 FROM wallet_consent c WHERE c.document = d AND c.application = $4
                                 AND c.withdrawn_at IS NULL)
               RETURNING document)
           INSERT INTO wallet_document_event (document, at, actor, action, detail)
           SELECT document, now(), $5, 'consent_given', jsonb_build_object('agency', $2::text, 'application',
                  $4::text, 'purpose', $3::text)
           FROM given"""
"""Consents and their history rows for many documents in one statement, keeping any given for the application
already: $1 documents, $2 agency id, $3 purpose, $4 application, $5 the owner (the history row's actor)."""


async def fetch_links(conn: asyncpg.Connection, document_id: uuid.UUID) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(
        "SELECT * FROM wallet_share_link WHERE document = $1 ORDER BY created_at", document_id
    )
    return rows


async def save_link(
    conn: asyncpg.Connection, *, document_id: uuid.UUID, token_hash: str, purpose: str, hours: int
) -> asyncpg.Record:
    """A new share link (only the token's hash is stored); returns its row."""
    row: asyncpg.Record = await conn.fetchrow(
        """INSERT INTO wallet_share_link (id, document, token_hash, purpose, created_at, expires_at, uses)
           VALUES ($1, $2, $3, $4, now(), now() + make_interval(hours => $5), 0) RETURNING *""",
        uuid.uuid4(),
        document_id,
        token_hash,
        purpose,
        hours,
    )
    return row
