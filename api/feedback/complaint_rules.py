"""The rules of a complaint (pengaduan), pure: its statuses and the moves between them, its number, and its
deadlines in the region's working days. No statements here; the clock is always passed in.

    submitted ──answer──▶ answered ──confirm──▶ closed (confirmed)
        │                  │   └────timeout (worker, after confirm_by)──▶ closed (timeout)
        │ overdue (worker) │ dispute (citizen)
        ▼                  ▼
    escalated ──answer──▶ answered
    any status but closed ──withdraw (citizen)──▶ closed (withdrawn)
"""

from __future__ import annotations

import datetime as dt
from typing import Final, Literal, get_args

from api.calendar.service import working_calendar
from api.catalogue.timezones import local_today, time_zone
from api.feedback.complaint_errors import ComplaintWrongStatusError, InvalidComplaintError
from api.lib.errors import FieldError
from api.lib.input_guard import check_text

Status = Literal["submitted", "escalated", "answered", "closed"]
CloseReason = Literal["confirmed", "timeout", "withdrawn"]
Action = Literal["answer", "confirm", "dispute", "withdraw", "escalate", "timeout", "reassign"]

STATUSES: Final[tuple[Status, ...]] = get_args(Status)
# Waiting for the agency (or, escalated, for the region): these can be overdue.
WAITING: Final[tuple[Status, ...]] = ("submitted", "escalated")
# action: (from statuses, to status)
TRANSITIONS: Final[dict[Action, tuple[tuple[Status, ...], Status]]] = {
    "answer": (WAITING, "answered"),
    "confirm": (("answered",), "closed"),
    "dispute": (("answered",), "escalated"),
    "withdraw": (("submitted", "escalated", "answered"), "closed"),
    "escalate": (("submitted",), "escalated"),
    "timeout": (("answered",), "closed"),
    "reassign": (WAITING, "submitted"),  # the status stays (see ``allowed``)
}
# The citizen's confirmation is awaited this many working days after an answer; then the worker closes it.
CONFIRM_WORKING_DAYS = 10
MIN_TEXT = 10
MAX_TEXT = 4000


def allowed(status: str, action: Action) -> str:
    """The status ``action`` leads to from ``status``; 409 ``complaint_wrong_status`` when it is not a legal move."""
    sources, target = TRANSITIONS[action]
    if status not in sources:
        raise ComplaintWrongStatusError(f"A complaint that is {status} cannot be given the action {action!r}.")
    return status if action == "reassign" else target


def clean_text(value: str, field: str, *, minimum: int = MIN_TEXT, maximum: int = MAX_TEXT) -> str:
    """The text stripped, within bounds, without control or direction characters (422 otherwise)."""
    check_text(value, field)
    text = value.strip()
    if len(text) < minimum:
        raise InvalidComplaintError([FieldError(field=field, message=f"must be at least {minimum} characters")])
    if len(text) > maximum:
        raise InvalidComplaintError([FieldError(field=field, message=f"must be at most {maximum} characters")])
    return text


def number(region: str, year: int, seq: int) -> str:
    """ADU-3201-2026-000123: the region, the year it was filed in (the region's own date) and its sequence."""
    return f"ADU-{region}-{year}-{seq:06d}"


def due_date(region: str, now: dt.datetime, days: int) -> dt.date:
    """``days`` working days of the region from the date it was received there (day 1 is the next working day)."""
    return working_calendar(region).add_working_days(local_today(region, now), days)


def confirm_by(region: str, now: dt.datetime) -> dt.datetime:
    """The end of the tenth working day after the answer, on the region's clock: the citizen has that whole day."""
    last = working_calendar(region).add_working_days(local_today(region, now), CONFIRM_WORKING_DAYS)
    return dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), time_zone(region))


def overdue(status: str, due: dt.date, today: dt.date) -> bool:
    """Still waiting for an answer after its due date (the region's local today)."""
    return status in WAITING and today > due
