"""What the calendar refuses, each with its HTTP status and stable code."""

from __future__ import annotations

from api.lib.errors import DomainError, FieldError, NotFoundError


class InvalidDayOffError(DomainError, ValueError):
    """422: the day off cannot be added or removed as given; ``errors`` names each field."""

    status = 422
    code = "invalid_day_off"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)


class DayOffExistsError(DomainError):
    """409: that date is already a day off in that scope (a national day is one in every region too)."""

    status = 409
    code = "day_off_exists"
    detail = "That date is already a day off here."

    def __init__(self) -> None:
        super().__init__(errors=[FieldError(field="day", message="is already a day off here")])


class DayOffNotFoundError(NotFoundError):
    """404: no such day off in the caller's scope (another region's days answer the same)."""

    def __init__(self) -> None:
        super().__init__("day off")


class NationalDayError(DomainError):
    """403: national days are kept by national admins; a region admin sees them but cannot change them."""

    status = 403
    code = "national_day"
    detail = "National days off are kept by national admins."


class EditConflictError(DomainError):
    """412: the day off changed since the admin saw it (someone removed it meanwhile)."""

    status = 412
    code = "edit_conflict"
    detail = "This day off was changed by someone else meanwhile. Reload to see it."
