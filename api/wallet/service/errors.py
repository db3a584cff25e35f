"""What the wallet refuses, each with its HTTP status and stable code (``api.lib.errors``).

The file gate's own refusal, ``RejectedFileError``, lives with the gate in ``api/wallet/sanitize.py``.
"""

from __future__ import annotations

from api.lib.errors import DomainError, NotFoundError

MB = 1024 * 1024


class DocumentNotFoundError(NotFoundError):
    """404: no such document for this caller (someone else's reads the same: no enumeration).

    A consent, share link or link token that does not exist gets the same answer.
    """

    def __init__(self) -> None:
        super().__init__("document")


class UnknownDocumentTypeError(DomainError, ValueError):
    """422: no such document type code."""

    status = 422
    code = "unknown_document_type"

    def __init__(self, what: str) -> None:
        super().__init__(f"Unknown {what}.")


class UnknownAgencyError(UnknownDocumentTypeError):
    """422: no such agency in that region, for a consent. It keeps the code ``unknown_document_type`` that it
    has always answered with: clients switch on codes, so a code never changes once published."""

    def __init__(self, agency_code: str, region: str) -> None:
        super().__init__(f"agency {agency_code} in region {region}")


class ReviewConflictError(DomainError):
    """409: the document was already reviewed, is issued, or changed meanwhile."""

    status = 409
    code = "conflict"


class IssuedDocumentError(ReviewConflictError):
    """409: an agency issued this document (an application's result): its holder can neither replace its file
    nor delete it, since the agency's attestation vouches for exactly that file."""

    code = "document_issued"

    def __init__(self, what: str) -> None:
        super().__init__(f"An issued document cannot be {what}: it is the agency's record, attested as issued.")


class ReasonRequiredError(DomainError, ValueError):
    """422: a rejection needs a reason the citizen can act on."""

    status = 422
    code = "reason_required"
    detail = "Say why the document is rejected, so the citizen can fix it."


class NotAFamilyCardError(DomainError, ValueError):
    """422: only a family card (KK) being verified lists NIKs (``listedNiks``)."""

    status = 422
    code = "unprocessable"
    detail = "Only a family card (KK) that is being verified lists NIKs."


class NotAttestedError(DomainError):
    """409: only a verified or issued document has an attestation, and so a QR code."""

    status = 409
    code = "not_attested"
    detail = "Only a verified or issued document has a QR code."


class FileTooLargeError(DomainError):
    """413: larger than the document type (or the deployment) allows; the same sentence as ``read_upload``'s."""

    status = 413
    code = "too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(f"The file is larger than {limit // MB} MB.")
        self.limit = limit
