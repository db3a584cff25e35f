"""The errors of service standards: each a DomainError with its HTTP status and stable code."""

from __future__ import annotations

import uuid

from api.lib.errors import DomainError, FieldError, NotFoundError


class StandardNotFoundError(NotFoundError):
    """No such standard, draft or version here (another region's are answered the same: 404)."""


class NationalScopeForbiddenError(DomainError):
    status = 403
    code = "forbidden"
    detail = "Only a national admin may change national standards."


class InvalidStandardError(DomainError):
    """422 ``invalid_standard`` with every problem found, each at its field's path."""

    status = 422
    code = "invalid_standard"

    def __init__(self, problems: list[FieldError], detail: str = "") -> None:
        super().__init__(
            detail or "The standard has problems: " + "; ".join(f"{p.field}: {p.message}" for p in problems[:5]),
            errors=problems,
        )


class PreconditionRequiredError(DomainError):
    status = 428
    code = "precondition_required"
    detail = "Send If-Match with the ETag you read, so that nobody's change is overwritten unseen."


class EditConflictError(DomainError):
    status = 412
    code = "edit_conflict"
    detail = "Another admin changed this since you read it. Reload to see their change."


class DraftExistsError(DomainError):
    """409 ``draft_exists``: the problem body also names the draft (``draftId``), to continue it instead."""

    status = 409
    code = "draft_exists"
    detail = "There is already a draft of this standard: continue that one."

    def __init__(self, draft_id: uuid.UUID) -> None:
        super().__init__()
        self.draft_id = draft_id


class CodeTakenError(DomainError):
    status = 409
    code = "code_taken"
    detail = "This code is already used by another service; choose another."


class NationalServiceError(DomainError):
    status = 409
    code = "national_service"
    detail = "A national service can only be hidden or given a local note in your region."


class LocalServiceError(DomainError):
    status = 409
    code = "local_service"
    detail = "A service of your region's own is retired, not hidden."


class StaleDraftError(DomainError):
    status = 409
    code = "stale_draft"
    detail = (
        "Another version of this standard was published after this draft was started. Discard the draft and start "
        "again from the new version."
    )


class RetiredServiceError(DomainError):
    status = 409
    code = "retired"
    detail = "The service is retired: reinstate it first."
