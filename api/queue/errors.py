"""What the queue refuses, each with its HTTP status and stable code (``api.lib.errors``). The details are the
English sentences; the PWA says each code in the reader's language (``pwa/js/lib/problem.js``). Where a screen
needs a value (a date, a time) the problem carries it as a member of its own, and the detail is in the reader's
language."""

from __future__ import annotations

import datetime as dt

from api.lib.errors import DomainError, FieldError, NotFoundError
from api.lib.language import Lang
from api.queue.rules import SUSPENSION_RULE, SUSPENSION_RULE_FIGURES, SUSPENSION_RULE_ID, clock_id, date_id


class QueueNotFoundError(NotFoundError):
    """404: no such service, booking, ticket or counter for this caller (another person's, another agency's, another
    region's: the same answer)."""


class SlotFullError(DomainError):
    status = 409
    code = "slot_full"
    detail = "This time is fully booked. Please choose another time."


class AlreadyBookedError(DomainError):
    status = 409
    code = "already_booked"
    detail = "You already have a booking for this service on that day (one per NIK per service per day)."


class BookingSuspendedError(DomainError):
    """403 with the date booking opens again (``until``, the building's date) and the rule (``rule``: its figures
    and its words in both languages), for the screen to show; the detail in the reader's language."""

    status = 403
    code = "booking_suspended"

    def __init__(self, until: dt.date, lang: Lang = "id") -> None:
        figures = SUSPENSION_RULE_FIGURES
        if lang == "en":
            detail = (
                f"Online booking is suspended until {until.isoformat()}: {SUSPENSION_RULE}. "
                "You can still take a ticket at the MPP's kiosk."
            )
        else:
            detail = (
                f"Pemesanan online ditangguhkan sampai {date_id(until)} karena {figures['noShows']} kali tidak hadir "
                f"dalam {figures['windowDays']} hari. Anda tetap bisa mengambil nomor antrean di kios MPP."
            )
        super().__init__(detail)
        self.until = until
        self.extensions = {
            "until": until.isoformat(),
            "rule": {**figures, "text": {"id": SUSPENSION_RULE_ID, "en": SUSPENSION_RULE}},
        }


class BookingNotChangeableError(DomainError):
    status = 409
    code = "booking_not_changeable"
    detail = "This booking can no longer be changed or cancelled."


class InvalidBookingError(DomainError):
    status = 422
    code = "invalid_booking"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)


class NikRequiredError(DomainError):
    """422 ``profile_incomplete``, as applying without a NIK: one booking per NIK needs the NIK."""

    status = 422
    code = "profile_incomplete"
    detail = "Add your NIK to your profile to book: a booking is one per NIK per service per day."

    def __init__(self) -> None:
        super().__init__(errors=[FieldError(field="profile.nik", message="is required")])


class IdempotencyKeyReusedError(DomainError):
    status = 422
    code = "idempotency_key_reused"
    detail = "This Idempotency-Key was used for a different request."


class QueueClosedError(DomainError):
    status = 409
    code = "queue_closed"


class WalkInFullError(DomainError):
    status = 409
    code = "walk_in_full"
    detail = "No more walk-in tickets for this service today. Book a time online for another day."


class TooEarlyError(DomainError):
    """409: a booking's check-in before its window; ``opensAt`` is when it opens (the building's local time, with
    its offset), the detail in the reader's language."""

    status = 409
    code = "too_early"

    def __init__(self, opens_at: dt.datetime, lang: Lang = "id") -> None:
        if lang == "en":
            detail = f"Check in from {opens_at:%H:%M} (an hour before your booked time)."
        else:
            detail = f"Check-in dibuka mulai pukul {clock_id(opens_at)} (satu jam sebelum jadwal Anda)."
        super().__init__(detail)
        self.opens_at = opens_at
        self.extensions = {"opensAt": opens_at.isoformat()}


class BookingNotTodayError(DomainError):
    status = 409
    code = "booking_not_today"
    detail = "This booking is for another day."


class BookingNotActiveError(DomainError):
    status = 409
    code = "booking_not_active"
    detail = "This booking was cancelled or missed; take a walk-in ticket instead."


class InvalidTicketRequestError(DomainError):
    status = 422
    code = "invalid_ticket_request"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)


class CounterInUseError(DomainError):
    status = 409
    code = "counter_in_use"
    detail = "Another officer has this counter open. Open it yourself to take it over."


class TicketOpenError(DomainError):
    status = 409
    code = "ticket_open"
    detail = "A ticket is still called at this counter: recall it, serve it, mark it a no-show or transfer it first."


class NotAtCounterError(DomainError):
    status = 409
    code = "not_at_counter"
    detail = "This ticket was called to a counter you do not have open."


class IllegalTicketStateError(DomainError):
    status = 409
    code = "illegal_ticket_state"


class TooFewCallsError(DomainError):
    status = 409
    code = "too_few_calls"


class InvalidTransferError(DomainError):
    status = 422
    code = "invalid_transfer"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)


class InvalidQueueSettingsError(DomainError):
    status = 422
    code = "invalid_queue_settings"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)


class EditConflictError(DomainError):
    status = 412
    code = "edit_conflict"
    detail = "Someone changed these settings since you read them. Reload and try again."
