"""Every statement of the wallet that reads another domain's tables, in one place, with the reason it stays.

The catalogue (document types, agencies) is read-mostly reference data that every document answer names;
joining it in the statement that reads the document costs nothing and saves a round trip per document,
and the catalogue has no service function for one document type or one agency to call instead. Where the
owning domain has one and the path is not hot, the wallet calls it: the holder's NIK comes from
``api.accounts.service.get_me`` (see ``attestations.py``), and audit events are written by
``api.audit.service.record``. The other statements on the wallet's own tables are in ``queries.py``.

- ``SELECT_DOCUMENT`` (every ``fetch_*document*``) reads ``catalogue_document_type`` and ``catalogue_agency``:
  the type's and the issuer's names come with the document, for every read and for the list.
- ``fetch_officer_document`` reads ``catalogue_agency``: the consent check and the read are one statement,
  so an officer never sees a document whose consent was withdrawn between the two.
- ``fetch_current_attestation`` and ``fetch_consents`` read ``catalogue_agency``: the agency's name per row.
- ``fetch_document_type``, ``fetch_agency`` and ``fetch_agency_by_id`` read ``catalogue_document_type`` and
  ``catalogue_agency``: no catalogue service function returns one such row with the ids and limits needed.
- ``fetch_access_log`` reads ``audit_event``, ``accounts_account`` and ``catalogue_agency``: up to 500
  entries with the officer's and the agency's names in one statement instead of a look-up per entry.
- ``mark_expiring`` reads ``catalogue_document_type``: the type's names come back from the statement that
  marks the reminder, inside its transaction.
"""

from __future__ import annotations

import uuid

import asyncpg

from api.wallet.service.errors import DocumentNotFoundError, UnknownDocumentTypeError

# The statements are composed from these constants only (values are always $n parameters): hence the noqa S608.
# Both languages of the catalogue's names: the reader's language picks one (documents.to_document).
_DOCUMENT_COLUMNS = """d.*, t.name_id AS type_name, t.name_en AS type_name_en, i.code AS issuer_code,
    i.name_id AS issuer_name, i.name_en AS issuer_name_en"""
_NAMES = """JOIN catalogue_document_type t ON t.code = d.document_type
    LEFT JOIN catalogue_agency i ON i.id = d.issued_by"""

SELECT_DOCUMENT = "SELECT " + _DOCUMENT_COLUMNS + " FROM wallet_document d " + _NAMES  # noqa: S608
"""A document row with its type's name and its issuer (if issued): what ``documents.to_document`` reads."""

_SELECT_SHARED = (
    "SELECT "  # noqa: S608
    + _DOCUMENT_COLUMNS
    + ", l.id AS link_id, l.purpose AS link_purpose, l.expires_at AS link_expires_at"
    + " FROM wallet_share_link l JOIN wallet_document d ON d.id = l.document "
    + _NAMES
    + """
    WHERE l.token_hash = $1 AND l.revoked_at IS NULL AND l.expires_at > now() AND d.deleted_at IS NULL"""
)

_SELECT_OFFICER = (
    SELECT_DOCUMENT  # noqa: S608
    + """
    WHERE d.id = $1 AND d.deleted_at IS NULL AND EXISTS (
        SELECT 1 FROM wallet_consent c JOIN catalogue_agency g ON g.id = c.agency
        WHERE c.document = d.id AND c.withdrawn_at IS NULL AND g.code = $2 AND g.region = $3)"""
)


def _found(row: asyncpg.Record | None) -> asyncpg.Record:
    if row is None:
        raise DocumentNotFoundError
    return row


async def fetch_own_document(conn: asyncpg.Connection, owner: uuid.UUID, document_id: uuid.UUID) -> asyncpg.Record:
    """The owner's document (not deleted), or 404."""
    return _found(
        await conn.fetchrow(
            SELECT_DOCUMENT + " WHERE d.id = $1 AND d.owner = $2 AND d.deleted_at IS NULL", document_id, owner
        )
    )


async def fetch_own_documents(conn: asyncpg.Connection, owner: uuid.UUID) -> list[asyncpg.Record]:
    """The owner's documents, newest first."""
    rows: list[asyncpg.Record] = await conn.fetch(
        SELECT_DOCUMENT + " WHERE d.owner = $1 AND d.deleted_at IS NULL ORDER BY d.created_at DESC", owner
    )
    return rows


async def fetch_document(conn: asyncpg.Connection, document_id: uuid.UUID, *, lock: bool = False) -> asyncpg.Record:
    """Any document by id, for a caller that has already checked access; ``lock`` holds it for a review."""
    sql = SELECT_DOCUMENT + " WHERE d.id = $1" + (" FOR UPDATE OF d" if lock else "")
    return _found(await conn.fetchrow(sql, document_id))


async def fetch_officer_document(
    conn: asyncpg.Connection, document_id: uuid.UUID, *, agency_code: str, region: str
) -> asyncpg.Record:
    """The document, if its owner shared it with this agency in this region and has not withdrawn that consent;
    anything else is 404: an officer cannot probe other agencies' files."""
    return _found(await conn.fetchrow(_SELECT_OFFICER, document_id, agency_code, region))


async def fetch_shared_document(conn: asyncpg.Connection, token_hash: str) -> asyncpg.Record:
    """The document behind a live share link (with ``link_id``, ``link_purpose``, ``link_expires_at``), or 404."""
    return _found(await conn.fetchrow(_SELECT_SHARED, token_hash))


async def fetch_current_attestation(conn: asyncpg.Connection, document_id: uuid.UUID) -> asyncpg.Record | None:
    """The newest attestation that is not revoked, with the attesting agency's ``code``, ``name_id``, ``name_en``."""
    row: asyncpg.Record | None = await conn.fetchrow(
        """SELECT a.*, g.code, g.name_id, g.name_en FROM wallet_attestation a JOIN catalogue_agency g ON g.id = a.agency
           WHERE a.document = $1 AND a.revoked_at IS NULL ORDER BY a.created_at DESC LIMIT 1""",
        document_id,
    )
    return row


async def fetch_consents(conn: asyncpg.Connection, document_id: uuid.UUID) -> list[asyncpg.Record]:
    """Every consent given for the document (withdrawn ones too), with the agency's code, name and region."""
    rows: list[asyncpg.Record] = await conn.fetch(
        """SELECT c.*, g.code, g.name_id, g.name_en, g.region
           FROM wallet_consent c JOIN catalogue_agency g ON g.id = c.agency
           WHERE c.document = $1 ORDER BY c.created_at""",
        document_id,
    )
    return rows


async def fetch_document_type(conn: asyncpg.Connection, code: str) -> asyncpg.Record:
    """The catalogue's document type (names, accepted formats, size limit, validity), or 422."""
    row: asyncpg.Record | None = await conn.fetchrow("SELECT * FROM catalogue_document_type WHERE code = $1", code)
    if row is None:
        raise UnknownDocumentTypeError(code)
    return row


async def fetch_agency(conn: asyncpg.Connection, *, code: str, region: str) -> asyncpg.Record | None:
    """An agency in a region: ``id``, ``code``, ``name_id``, ``region``."""
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT id, code, name_id, region FROM catalogue_agency WHERE code = $1 AND region = $2", code, region
    )
    return row


async def fetch_agency_by_id(conn: asyncpg.Connection, agency_id: uuid.UUID) -> asyncpg.Record:
    """An agency by id: ``id``, ``code``, ``name_id``, ``region``."""
    row: asyncpg.Record = await conn.fetchrow(
        "SELECT id, code, name_id, region FROM catalogue_agency WHERE id = $1", agency_id
    )
    return row


async def fetch_access_log(
    conn: asyncpg.Connection, owner: uuid.UUID, *, actions: list[str], limit: int
) -> list[asyncpg.Record]:
    """Audit events about the owner of these kinds, newest first, with the actor's and the agency's names."""
    rows: list[asyncpg.Record] = await conn.fetch(
        """SELECT e.at, e.action, e.detail, a.name AS actor_name, g.name_id AS agency_name, g.name_en AS agency_name_en
           FROM audit_event e
           LEFT JOIN accounts_account a ON a.id = e.actor
           LEFT JOIN catalogue_agency g ON g.code = e.detail->>'agency' AND g.region = a.region
           WHERE e.subject = $1 AND e.action = ANY($3::text[])
           ORDER BY e.at DESC LIMIT $2""",
        owner,
        limit,
        actions,
    )
    return rows


async def mark_expiring(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Mark documents expiring within 30 days whose owner was not reminded yet; returns them with type names."""
    rows: list[asyncpg.Record] = await conn.fetch(
        """UPDATE wallet_document d SET reminded_at = now()
           FROM catalogue_document_type t
           WHERE t.code = d.document_type AND d.deleted_at IS NULL AND d.reminded_at IS NULL
             AND d.valid_until IS NOT NULL AND d.valid_until BETWEEN now() AND now() + interval '30 days'
           RETURNING d.id, d.owner, d.document_type, d.valid_until, t.name_id, t.name_en"""
    )
    return rows
