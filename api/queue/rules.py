"""The queue's rules as pure functions and constants: slots of a day, quotas, the line's order, the waiting
estimate, the suspension rule, ticket numbers and check-in codes. No database, no clock of their own: callers pass
``now`` (so tests control time).

The figures are stated once here and repeated in ``/tmp/briefs/queue-api.md`` (the API spec) and in the problem
texts; change them here.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import secrets
import statistics
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

DEFAULT_HANDLING_MINUTES = 10
DEFAULT_SLOT_MINUTES = 30
# Without quotas set by the admin, half of a day's capacity is bookable online and the rest kept for walk-ins:
# people without a smartphone must still be served the same day.
DEFAULT_ONLINE_SHARE = 0.5
BOOK_AHEAD_DAYS = 14
# A cancelled or moved seat returns to the pool only after this: a slot cannot be passed from one person to
# another (a "joki" cancelling the moment their buyer books) — the buyer would have to outpace everyone for it.
SEAT_RETURN = dt.timedelta(minutes=30)
CHECK_IN_EARLY = dt.timedelta(minutes=60)
# Walk-in tickets are issued from this long before the building opens (people arrive early) until it closes.
WALK_IN_EARLY = dt.timedelta(minutes=60)
NO_SHOW_AFTER_CALLS = 3
HEADS_UP_PLACES = 3
# Three no-shows within 90 days suspend online booking for 30 days from the third.
SUSPEND_AFTER_NO_SHOWS = 3
SUSPEND_WINDOW = dt.timedelta(days=90)
SUSPEND_FOR = dt.timedelta(days=30)
SUSPENSION_RULE = "3 no-shows in 90 days suspend online booking for 30 days"
SUSPENSION_RULE_ID = "3 kali tidak hadir dalam 90 hari: booking online ditangguhkan 30 hari"
# The same rule as figures, for a screen that words it itself (the problem's `rule` member).
SUSPENSION_RULE_FIGURES = {
    "noShows": SUSPEND_AFTER_NO_SHOWS,
    "windowDays": SUSPEND_WINDOW.days,
    "suspendDays": SUSPEND_FOR.days,
}
MONTHS_ID = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip


def date_id(day: dt.date) -> str:
    """A date as Indonesian writes it: 12 Januari 2027."""
    return f"{day.day} {MONTHS_ID[day.month - 1]} {day.year}"


def clock_id(moment: dt.time | dt.datetime) -> str:
    """A time of day as Indonesian writes it: 07.30 (a dot, 24 hours)."""
    return f"{moment.hour:02d}.{moment.minute:02d}"


# The morning heads-up of a booking's day goes out from this local time.
REMINDER_FROM = dt.time(6, 0)
# The estimate: the last handling times of the agency today, and how many are enough to trust them.
RECENT_SERVICES = 20
MIN_SAMPLES = 5
# z for a two-sided 80 % window: the estimate says "between low and high" and means it four times out of five.
WINDOW_Z = 1.28

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Province codes by time zone (BPS): WITA and WIT; the rest of Indonesia is WIB.
WITA_PROVINCES = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
WIT_PROVINCES = {"81", "82", "91", "92", "93", "94", "95", "96"}


def time_zone(region: str) -> zoneinfo.ZoneInfo:
    """The region's time zone: WIB (+7), WITA (+8) or WIT (+9) by its province."""
    province = region[:2]
    return zoneinfo.ZoneInfo(
        "Asia/Makassar"
        if province in WITA_PROVINCES
        else "Asia/Jayapura"
        if province in WIT_PROVINCES
        else "Asia/Jakarta"
    )


def local_today(region: str, now: dt.datetime) -> dt.date:
    return now.astimezone(time_zone(region)).date()


def local(region: str, moment: dt.datetime) -> dt.datetime:
    """A moment as the region's clocks show it (what goes on the wire: ISO 8601 with the region's offset)."""
    return moment.astimezone(time_zone(region))


# --- opening hours and slots ----------------------------------------------------------------------------------

_RANGE = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-3]):([0-5][0-9])$")


def opening_ranges(
    region: str, hours: Mapping[str, Sequence[str]], day: dt.date
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The day's opening ranges as aware datetimes (malformed or empty ranges are skipped)."""
    zone = time_zone(region)
    ranges = []
    for text in hours.get(WEEKDAYS[day.weekday()], []) or []:
        match = _RANGE.match(str(text))
        if not match:
            continue
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start = dt.datetime.combine(day, dt.time(h1, m1), zone)
        end = dt.datetime.combine(day, dt.time(h2, m2), zone)
        if end > start:
            ranges.append((start, end))
    return sorted(ranges)


def open_minutes(ranges: Iterable[tuple[dt.datetime, dt.datetime]]) -> int:
    return sum(int((end - start).total_seconds() // 60) for start, end in ranges)


def cut_slots(
    ranges: Iterable[tuple[dt.datetime, dt.datetime]], slot_minutes: int
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Each opening range cut into slots of ``slot_minutes``; a remainder shorter than a slot is not offered."""
    length = dt.timedelta(minutes=slot_minutes)
    slots = []
    for start, end in ranges:
        at = start
        while at + length <= end:
            slots.append((at, at + length))
            at += length
    return slots


@dataclass(frozen=True)
class CounterShare:
    """A live counter that serves the service, and how many services share its time."""

    number: str
    services: int


def day_capacity(minutes: int, handling_minutes: int, counters: Iterable[CounterShare]) -> int:
    """How many citizens the counters serving a service can see in ``minutes`` of opening: each counter's time is
    shared evenly among the services it serves."""
    total = sum(minutes / handling_minutes / max(1, c.services) for c in counters)
    return math.floor(total + 1e-9)


@dataclass(frozen=True)
class Quotas:
    capacity: int
    online: int
    walk_in: int


def quotas(capacity: int, online: int | None, walk_in: int | None) -> Quotas:
    """The day's quotas: the admin's where set, else half the capacity online and the rest for walk-ins."""
    derived_online = int(capacity * DEFAULT_ONLINE_SHARE)
    online_quota = derived_online if online is None else online
    walk_in_quota = max(0, capacity - online_quota) if walk_in is None else walk_in
    return Quotas(capacity=capacity, online=online_quota, walk_in=walk_in_quota)


def spread(total: int, buckets: int) -> list[int]:
    """``total`` seats over ``buckets`` slots as evenly as possible, earlier slots taking the remainder."""
    if buckets <= 0:
        return []
    base, extra = divmod(max(0, total), buckets)
    return [base + (1 if i < extra else 0) for i in range(buckets)]


@dataclass(frozen=True)
class PlannedSlot:
    start: dt.datetime
    end: dt.datetime
    capacity: int


def plan_day(
    region: str,
    hours: Mapping[str, Sequence[str]],
    day: dt.date,
    *,
    handling_minutes: int,
    slot_minutes: int,
    online_quota: int | None,
    walk_in_quota: int | None,
    counters: Sequence[CounterShare],
) -> tuple[list[PlannedSlot], Quotas]:
    """The bookable slots of an open day and its quotas (the caller has checked that the day is open)."""
    ranges = opening_ranges(region, hours, day)
    capacity = day_capacity(open_minutes(ranges), handling_minutes, counters)
    day_quotas = quotas(capacity, online_quota, walk_in_quota)
    slots = cut_slots(ranges, slot_minutes) if counters else []
    seats = spread(day_quotas.online, len(slots))
    return [PlannedSlot(s, e, n) for (s, e), n in zip(slots, seats, strict=True)], day_quotas


# --- the line ---------------------------------------------------------------------------------------------------

TRANSFERRED, BOOKED, WALK_IN = 0, 1, 2


def is_on_time(start: dt.datetime, end: dt.datetime, now: dt.datetime) -> bool | None:
    """A check-in's standing: None too early (more than an hour before the start), True on time (until the slot's
    end), False late (a walk-in from now)."""
    if now < start - CHECK_IN_EARLY:
        return None
    return now <= end


# The line's order in SQL, for a ticket row aliased ``{t}``: a booked ticket counts as booked only once its slot
# has started (before, it is in the line as if it walked in at its slot's start). $now is the statement's clock.
LINE_KEY = "(CASE WHEN {t}.priority = 1 AND {t}.due_at > {now} THEN 2 ELSE {t}.priority END, {t}.due_at, {t}.seq)"


def line_key(alias: str, now: str) -> str:
    return LINE_KEY.format(t=alias, now=now)


# --- the estimate -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    low: int
    high: int


def estimate(
    ahead: int, durations: Sequence[float], *, handling_minutes: int, counters_open: int, counters_all: int
) -> Estimate:
    """The window (minutes from now) in which a ticket with ``ahead`` tickets before it should be called.

    Each of the ``ahead`` citizens takes a handling time with mean m and deviation s (the last handling times of
    the agency today when there are enough, else the admin's figure with s = m/2); ``c`` counters share them, so
    the wait is about ahead·m/c, with a spread that grows as √ahead (sums of independent times). The window is
    that ± 1.28 deviations: about 80 % of tickets should be called inside it — the stats route measures whether
    they are. With no counter open, the agency's counters are assumed to open, and the high end is widened.
    """
    if len(durations) >= MIN_SAMPLES:
        m = statistics.fmean(durations)
        s = statistics.pstdev(durations)
    else:
        m = float(handling_minutes)
        s = m / 2
    c = counters_open or max(1, counters_all)
    if ahead <= 0:
        low, high = 0.0, m / c
    else:
        centre = ahead * m / c
        spread_ = WINDOW_Z * s * math.sqrt(ahead) / c
        low, high = max(0.0, centre - spread_), centre + spread_
    if not counters_open:
        high *= 1.5
    lo = math.floor(low)
    hi = max(lo + 1, math.ceil(high))
    return Estimate(low=min(lo, 32000), high=min(hi, 32000))


# --- suspension -------------------------------------------------------------------------------------------------


def suspended_until(no_shows: Iterable[dt.datetime], now: dt.datetime) -> dt.datetime | None:
    """When online booking opens again for someone with these no-shows, or None if it is open now.

    Every no-show that is the third within 90 days (counting back from it) starts 30 days of suspension.
    """
    times = sorted(no_shows)
    until: dt.datetime | None = None
    k = SUSPEND_AFTER_NO_SHOWS - 1
    for i in range(k, len(times)):
        if times[i] - times[i - k] <= SUSPEND_WINDOW:
            end = times[i] + SUSPEND_FOR
            if until is None or end > until:
                until = end
    return until if until is not None and until > now else None


# --- ticket numbers and codes -----------------------------------------------------------------------------------

# I and O are left out: on a printed slip and a board they read as 1 and 0.
LETTERS = [c for c in "ABCDEFGHJKLMNPQRSTUVWXYZ"]


def letters() -> Iterable[str]:
    """A, B, … Z (without I and O), then AA, AB, …"""
    yield from LETTERS
    for first in LETTERS:
        for second in LETTERS:
            yield first + second


def ticket_number(letter: str, seq: int) -> str:
    return f"{letter}-{seq:03d}"


# Crockford's base 32: no I, L, O or U, so a typed code survives being read aloud or misread.
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10  # 50 bits: unguessable even before the kiosk's rate limit
_CODE = re.compile(f"^[{_CODE_ALPHABET}]{{{CODE_LENGTH}}}$")


def new_checkin_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(typed: str) -> str | None:
    """A check-in code as typed or scanned (grouped, lower case, O for 0, I or L for 1), or None if it cannot be one."""
    if len(typed) > 40:
        return None
    code = re.sub(r"[\s-]", "", typed).upper().replace("O", "0").replace("I", "1").replace("L", "1")
    return code if _CODE.match(code) else None


def grouped(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def new_follow_token() -> str:
    return secrets.token_urlsafe(24)


FOLLOW_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
