"""Wire types of the document wallet."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec

from api.lib.wire import Input, Struct

Status = Literal["uploaded", "verified", "rejected", "issued", "expired"]


class Ref(Struct):
    code: str
    name: str


class AttestationInfo(Struct):
    id: uuid.UUID
    kind: str
    agency: Ref
    attested_at: dt.datetime
    # The compact JWS; the QR code holds verificationUrl (the JWS in its fragment).
    token: str
    verification_url: str
    valid_until: dt.datetime | None = None


class ConsentInfo(Struct):
    id: uuid.UUID
    agency: Ref
    region: str
    purpose: str
    created_at: dt.datetime
    application: uuid.UUID | None = None
    withdrawn_at: dt.datetime | None = None


class LinkInfo(Struct):
    id: uuid.UUID
    purpose: str
    created_at: dt.datetime
    expires_at: dt.datetime
    uses: int
    revoked_at: dt.datetime | None = None
    # Only in the answer that creates the link: the token is not stored, it cannot be shown again.
    url: str | None = None


class Document(Struct):
    id: uuid.UUID
    type: Ref
    status: Status
    title: str
    format: str
    media_type: str
    size: int
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    pages: int | None = None
    valid_until: dt.datetime | None = None
    rejection_reason: str | None = None
    issued_by: Ref | None = None
    attestation: AttestationInfo | None = None


class DocumentDetail(Document):
    consents: list[ConsentInfo] = []
    links: list[LinkInfo] = []


class DocumentList(Struct):
    items: list[Document]
    total: int


class ConsentCreate(Input):
    agency: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z][A-Za-z0-9_]{1,39}$")]
    region: Annotated[str, msgspec.Meta(pattern=r"^[0-9]{4}$")]
    purpose: Annotated[str, msgspec.Meta(min_length=3, max_length=200)]


class LinkCreate(Input):
    purpose: Annotated[str, msgspec.Meta(min_length=3, max_length=200)]
    hours: Annotated[int, msgspec.Meta(ge=1, le=168)] = 24


class Review(Input):
    valid: bool
    reason: Annotated[str, msgspec.Meta(max_length=500)] | None = None
    # Verifying a family card (KK): the NIKs printed on it, as the officer read them. A parental mandate between
    # the card's owner and a child it lists is then proven by the card (api.accounts.mandate_review).
    listed_niks: (
        Annotated[list[Annotated[str, msgspec.Meta(pattern=r"^[0-9]{16}$")]], msgspec.Meta(min_length=1, max_length=20)]
        | None
    ) = None


class Verification(Struct):
    """What the public verification page shows: the attested fields, never the file."""

    status: Literal["valid", "expired", "revoked", "invalid"]
    kind: str | None = None
    document_type: str | None = None
    document_type_name: str | None = None
    content_hash: str | None = None
    agency: Ref | None = None
    region: str | None = None
    attested_at: dt.datetime | None = None
    valid_until: dt.datetime | None = None
    holder_nik_hash: str | None = None
    holder_nik_salt: str | None = None


class SharedDocument(Struct):
    """What a share link shows a third party."""

    type: Ref
    status: Status
    media_type: str
    purpose: str
    expires_at: dt.datetime
    verification: Verification | None = None


class AccessEntry(Struct):
    at: dt.datetime
    what: str  # document.read | document.content | application.read | complaint.read
    document: uuid.UUID | None = None
    via: str | None = None  # officer | link
    agency: Ref | None = None
    actor: str | None = None


class AccessLog(Struct):
    items: list[AccessEntry]
    total: int
