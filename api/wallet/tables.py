"""The document wallet: documents (encrypted blobs), their attestations, consents, share links, history."""

from __future__ import annotations

from piccolo.columns import (
    JSONB,
    UUID,
    BigSerial,
    Bytea,
    ForeignKey,
    Integer,
    OnDelete,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from api.accounts.tables import Account
from api.catalogue.tables import Agency, DocumentType


class Document(Table, tablename="wallet_document"):
    id = UUID(primary_key=True)
    owner = ForeignKey(references=Account, null=False, on_delete=OnDelete.cascade, index=True)
    document_type = ForeignKey(references=DocumentType, null=False, on_delete=OnDelete.restrict)
    # uploaded | verified | rejected | issued (expired is computed from valid_until)
    status = Varchar(length=10, null=False)
    # A label for the owner (sanitised from the file name); never used as a path.
    title = Varchar(length=120, null=False, default="")
    format = Varchar(length=5, null=False)
    media_type = Varchar(length=40, null=False)
    size = Integer(null=False)
    pages = Integer(null=True, default=None)
    # SHA-256 of the stored (sanitised) content: duplicate uploads, and what attestations sign.
    content_hash = Varchar(length=64, null=False)
    # The encrypted blob: where, and how to open it (data key wrapped by a master key).
    blob_key = Varchar(length=120, null=False)
    nonce = Bytea(null=False)
    wrapped_key = Bytea(null=False)
    key_id = Varchar(length=40, null=False)
    version = Integer(null=False, default=1)
    issued_by = ForeignKey(references=Agency, null=True, default=None, on_delete=OnDelete.restrict)
    valid_until = Timestamptz(null=True, default=None)
    rejection_reason = Varchar(length=500, null=True, default=None)
    reminded_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(null=False, default=TimestamptzNow())
    updated_at = Timestamptz(null=False, default=TimestamptzNow())
    deleted_at = Timestamptz(null=True, default=None)


class Attestation(Table, tablename="wallet_attestation"):
    """A signed statement by an agency about one version of a document (verified it, or issued it)."""

    id = UUID(primary_key=True)
    document = ForeignKey(references=Document, null=False, on_delete=OnDelete.cascade, index=True)
    # verified | issued
    kind = Varchar(length=8, null=False)
    agency = ForeignKey(references=Agency, null=False, on_delete=OnDelete.restrict)
    officer = ForeignKey(references=Account, null=True, default=None, on_delete=OnDelete.set_null)
    content_hash = Varchar(length=64, null=False)
    # The compact JWS (ES256) that the QR code carries.
    token = Varchar(length=4000, null=False)
    valid_until = Timestamptz(null=True, default=None)
    created_at = Timestamptz(null=False, default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)
    revoke_reason = Varchar(length=40, null=True, default=None)


class Consent(Table, tablename="wallet_consent"):
    """The owner let an agency use a document for a purpose (an application). Withdrawal stops future use."""

    id = UUID(primary_key=True)
    document = ForeignKey(references=Document, null=False, on_delete=OnDelete.cascade, index=True)
    agency = ForeignKey(references=Agency, null=False, on_delete=OnDelete.restrict, index=True)
    purpose = Varchar(length=200, null=False)
    application = UUID(null=True, default=None)
    created_at = Timestamptz(null=False, default=TimestamptzNow())
    withdrawn_at = Timestamptz(null=True, default=None)


class ShareLink(Table, tablename="wallet_share_link"):
    """A time-limited link for a third party (a bank, an employer) to see one document."""

    id = UUID(primary_key=True)
    document = ForeignKey(references=Document, null=False, on_delete=OnDelete.cascade, index=True)
    token_hash = Varchar(length=64, null=False, unique=True)
    purpose = Varchar(length=200, null=False)
    created_at = Timestamptz(null=False, default=TimestamptzNow())
    expires_at = Timestamptz(null=False)
    revoked_at = Timestamptz(null=True, default=None)
    uses = Integer(null=False, default=0)


class DocumentEvent(Table, tablename="wallet_document_event"):
    """Append-only history of a document (regulated record): uploads, reviews, shares, replacements."""

    id = BigSerial(primary_key=True)
    document = UUID(null=False, index=True)
    at = Timestamptz(null=False, default=TimestamptzNow())
    actor = UUID(null=True, default=None)
    action = Varchar(length=30, null=False)
    detail = JSONB(null=False, default={})
