"""The document wallet: upload once, verify once, reuse everywhere. No HTTP here.

Every stored file has passed ``sanitize`` (sniffed, re-encoded without metadata, or a checked PDF), is sealed
with its own data key (AES-256-GCM, the key wrapped by a master key) before it reaches the blob store, and
every change is a row in the document's append-only history. Reads by anyone but the owner are recorded in
the audit trail, which the owner lists as their access log.

Split by who reads it:

- ``owner``: a citizen's own documents (upload, list, read, replace, delete), the access log, reminders;
- ``sharing``: consents for agencies and share links for third parties, and opening a link;
- ``officers``: an officer's reads of a shared document and the one review (verify or reject);
- ``attestations``: signing, issuing an agency's result document, checking a QR's token;
- ``documents``: rows to answers and the record of a read, shared by the above;
- ``content``: cleaning, sealing, storing and opening the bytes (``Wallet``, ``Content``);
- ``queries``: the statements on the wallet's own tables; ``cross_domain``: every statement that reads
  another domain's tables, and why;
- ``errors``: what the wallet refuses, each with its HTTP status and code.

Other modules import the names below from ``api.wallet.service``.
"""

from __future__ import annotations

from api.wallet.service.attestations import issue, verify_token
from api.wallet.service.content import Content, Wallet, display_title
from api.wallet.service.documents import get
from api.wallet.service.errors import (
    MB,
    DocumentNotFoundError,
    FileTooLargeError,
    IssuedDocumentError,
    NotAFamilyCardError,
    NotAttestedError,
    ReasonRequiredError,
    ReviewConflictError,
    UnknownAgencyError,
    UnknownDocumentTypeError,
)
from api.wallet.service.officers import family_card_listing, officer_content, officer_document, review
from api.wallet.service.owner import (
    HeldDocument,
    access_log,
    attestation_qr,
    delete,
    detail,
    documents_of_types,
    list_documents,
    mark_reminders,
    owner_content,
    replace_content,
    upload,
)
from api.wallet.service.sharing import (
    create_link,
    give_consent,
    give_consents,
    revoke_link,
    shared_content,
    shared_document,
    withdraw_consent,
)

__all__ = [
    "MB",
    "Content",
    "DocumentNotFoundError",
    "FileTooLargeError",
    "HeldDocument",
    "IssuedDocumentError",
    "NotAFamilyCardError",
    "NotAttestedError",
    "ReasonRequiredError",
    "ReviewConflictError",
    "UnknownAgencyError",
    "UnknownDocumentTypeError",
    "Wallet",
    "access_log",
    "attestation_qr",
    "create_link",
    "delete",
    "detail",
    "display_title",
    "documents_of_types",
    "family_card_listing",
    "get",
    "give_consent",
    "give_consents",
    "issue",
    "list_documents",
    "mark_reminders",
    "officer_content",
    "officer_document",
    "owner_content",
    "replace_content",
    "review",
    "revoke_link",
    "shared_content",
    "shared_document",
    "upload",
    "verify_token",
    "withdraw_consent",
]
