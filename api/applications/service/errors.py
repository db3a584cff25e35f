"""What the applications service refuses, each with its HTTP status and stable code (``api.lib.errors``)."""

from __future__ import annotations

from api.lib.errors import DomainError, FieldError, NotFoundError


class ApplicationNotFoundError(NotFoundError):
    """404: no such application for this caller (another citizen's, another agency's: the same answer)."""

    def __init__(self) -> None:
        super().__init__("application")


class IllegalTransitionError(DomainError):
    """409: the move is not allowed from the application's current state."""

    status = 409
    code = "illegal_transition"


class StaleVersionError(DomainError):
    """412: the caller acted on an older version than the stored one."""

    status = 412
    code = "precondition_failed"

    def __init__(self, stored: int, sent: int) -> None:
        super().__init__(f"the application is at version {stored}, not {sent} — reload and try again.")


class InvalidApplicationError(DomainError, ValueError):
    """422: the submission does not satisfy the service; the field errors say what to fix."""

    status = 422
    code = "invalid_application"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)


class IdempotencyConflictError(DomainError):
    """422: the Idempotency-Key was used before with another request body."""

    status = 422
    code = "idempotency_key_reused"
    detail = "This Idempotency-Key was used for a different application."


class NoMandateError(DomainError):
    """403: applying for someone else without a mandate that covers this service."""

    status = 403
    code = "no_mandate"
    detail = "You hold no mandate to apply for this person for this service."


class ProfileIncompleteError(DomainError):
    """422: the account's profile lacks what an application carries (the applicant's name, and their NIK where
    the service asks for it); ``errors`` name each missing profile field (``profile.name``, ``profile.nik``)."""

    status = 422
    code = "profile_incomplete"

    def __init__(self, missing: list[str]) -> None:
        words = {"name": "your name", "nik": "your NIK"}
        super().__init__(
            f"Complete your profile before applying: {' and '.join(words[m] for m in missing)} "
            f"{'is' if len(missing) == 1 else 'are'} missing (PATCH /api/v1/me).",
            errors=[FieldError(field=f"profile.{m}", message="is required") for m in missing],
        )


def no_such_service() -> InvalidApplicationError:
    return InvalidApplicationError([FieldError(field="serviceId", message="no such service")])
