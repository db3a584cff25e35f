"""What complaints refuse, each with its HTTP status and stable code (``api.lib.errors``). The details are English
sentences; the PWA says each code in the reader's language (``pwa/js/lib/problem.js``)."""

from __future__ import annotations

from api.lib.errors import DomainError, FieldError, NotFoundError


class ComplaintNotFoundError(NotFoundError):
    """404: no such complaint, application, ticket, service or document for this caller (another person's, another
    agency's, another region's: the same answer)."""


class ComplaintWrongStatusError(DomainError):
    status = 409
    code = "complaint_wrong_status"
    detail = "The complaint is not in a status that allows this."


class ComplaintVersionConflictError(DomainError):
    status = 409
    code = "version_conflict"
    detail = "Someone changed this complaint since you read it. Reload it and try again."


class InvalidComplaintError(DomainError):
    status = 422
    code = "invalid_complaint"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)


class ComplaintSubjectMissingError(DomainError):
    status = 422
    code = "complaint_subject_missing"
    detail = "Say what the complaint is about: exactly one of applicationId, ticketId or serviceId."


class ComplaintIdempotencyKeyReusedError(DomainError):
    status = 422
    code = "idempotency_key_reused"
    detail = "This Idempotency-Key was used for a different complaint."


class ComplaintRegionRequiredError(DomainError):
    status = 422
    code = "region_required"
    detail = "Name the region (region=BPS code)."
