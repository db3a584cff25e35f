"""What the SKM survey and its index refuse, each with its HTTP status and stable code (``api.lib.errors``). The
details are English sentences; the PWA says each code in the reader's language (``pwa/js/lib/problem.js``)."""

from __future__ import annotations

from api.lib.errors import DomainError, FieldError, NotFoundError


class SurveyNotFoundError(NotFoundError):
    """404: no such invitation, application, ticket or comment for this caller (another person's, another
    agency's, another region's: the same answer)."""


class SurveyAnsweredError(DomainError):
    status = 409
    code = "survey_answered"
    detail = "This transaction has already been rated. Thank you."


class SurveyNotOpenError(DomainError):
    status = 409
    code = "survey_not_open"
    detail = "This transaction cannot be rated (it is not finished yet, or the time to rate it has passed)."


class InvalidSurveyError(DomainError):
    status = 422
    code = "invalid_survey"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)


class InvalidSkmQueryError(DomainError):
    status = 422
    code = "invalid_skm_query"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)


class RegionRequiredError(DomainError):
    status = 422
    code = "region_required"
    detail = "Name the region (region=BPS code)."


class InvalidReplyError(DomainError):
    status = 422
    code = "invalid_reply"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
