"""When to try again after a failed call to another service: exponential backoff that honours HTTP ``Retry-After``
(RFC 9110 §10.2.3). Shared by every client of an outside service (Web Push, SP4N-LAPOR!)."""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from email.utils import parsedate_to_datetime


def backoff(
    attempt: int,
    retry_after: float | None,
    *,
    first: float,
    most: float,
    most_retry_after: float = math.inf,
) -> float:
    """Seconds before the next try after ``attempt`` failed tries: ``first``, doubling each time up to ``most``, and
    never sooner than the service asked — though a ``Retry-After`` beyond ``most_retry_after`` is taken as that (a
    mistyped header must not park a message for a month)."""
    delay = min(first * 2.0 ** max(attempt - 1, 0), most)
    return max(min(retry_after or 0.0, most_retry_after), delay)


def parse_retry_after(value: str | None) -> float | None:
    """A ``Retry-After`` header's seconds (either form: seconds, or an HTTP date), None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    with contextlib.suppress(TypeError, ValueError):
        when = parsedate_to_datetime(value)
        return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())
    return None
