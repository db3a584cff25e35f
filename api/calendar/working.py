"""Indonesia's working-day calendar, for service deadlines (SLA) counted in working days.

A working day is Monday to Friday, unless the year's SKB 3 Menteri (the joint decree of the Ministers
of Religious Affairs, Manpower and Administrative Reform) lists it as a national holiday (*libur
nasional*) or as collective leave (*cuti bersama*), or the region has a day off of its own (*libur
daerah*, or its own cuti bersama, by a Keputusan Bupati/Wali Kota). The decrees' national days ship in
``data/holidays.yaml`` (read and checked here; the database is seeded from it); the days in force live in
the database (``api.calendar.service`` builds one calendar per region from them).

Outside the years the national decrees cover (see :meth:`WorkingCalendar.covers`) only weekends count (and
a region's own days): a date in 2030 is a working day whenever it is a weekday, even on 1 January. That
keeps deadlines computable for any date; a caller that must not silently undercount holidays asks
``covers`` first.

Everything here is pure and cheap enough for the request path: the working days of the covered span
are precomputed as one sorted array of ordinals, and every question is answered with a bisection and
arithmetic on weekday counts, never by walking day by day.
"""

from __future__ import annotations

import datetime as dt
from array import array
from bisect import bisect_right
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

import msgspec
import msgspec.yaml

__all__ = [
    "DATA_FILE",
    "NATIONAL_KINDS",
    "REGION_KINDS",
    "Holiday",
    "HolidayDataError",
    "HolidayFile",
    "HolidayKind",
    "HolidayName",
    "HolidayYear",
    "WorkingCalendar",
    "calendar",
    "load_holiday_file",
]

DATA_FILE = Path(__file__).parent / "data" / "holidays.yaml"

# A region's own day off is ``libur_daerah`` (or its own ``cuti_bersama``); the national file has the other two.
HolidayKind = Literal["libur_nasional", "cuti_bersama", "libur_daerah"]
NATIONAL_KINDS: tuple[HolidayKind, ...] = ("libur_nasional", "cuti_bersama")
REGION_KINDS: tuple[HolidayKind, ...] = ("libur_daerah", "cuti_bersama")
NonEmpty = Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
LongText = Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
Year = Annotated[int, msgspec.Meta(ge=1900, le=2200)]


class HolidayName(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """The holiday's name in Indonesian (as the decree writes it) and English."""

    id: NonEmpty
    en: NonEmpty


class Holiday(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """One day off listed by a decree."""

    date: dt.date
    name: HolidayName
    kind: HolidayKind


class HolidayYear(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """One calendar year's decree: where its days come from and whether they are the decree's own."""

    year: Year
    source: LongText
    # False marks a year whose decree was not found and whose dates are estimates.
    confirmed: bool
    holidays: list[Holiday]


class HolidayFile(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    years: list[HolidayYear]


class HolidayDataError(ValueError):
    """The holiday file is malformed or inconsistent."""


def _problems(data: HolidayFile) -> Iterable[str]:
    seen_years: set[int] = set()
    seen_days: set[dt.date] = set()
    for entry in data.years:
        if entry.year in seen_years:
            yield f"year {entry.year} is listed twice"
        seen_years.add(entry.year)
        for holiday in entry.holidays:
            if holiday.date.year != entry.year:
                yield f"{holiday.date.isoformat()} is listed under {entry.year}"
            if holiday.date in seen_days:
                yield f"{holiday.date.isoformat()} is listed twice (list a day once, naming both holidays)"
            if holiday.kind not in NATIONAL_KINDS:
                yield f"{holiday.date.isoformat()} is a {holiday.kind}: a region's own day is not a national one"
            seen_days.add(holiday.date)


def load_holiday_file(path: Path = DATA_FILE) -> HolidayFile:
    """Decode and check a holiday file; raise HolidayDataError naming every problem."""
    try:
        data = msgspec.yaml.decode(path.read_bytes(), type=HolidayFile)
    except msgspec.ValidationError as exc:
        raise HolidayDataError(f"{path.name}: {exc}") from exc
    except msgspec.DecodeError as exc:
        raise HolidayDataError(f"{path.name}: not valid YAML: {exc}") from exc
    problems = list(_problems(data))
    if problems:
        raise HolidayDataError(f"{path.name}:\n  " + "\n  ".join(problems))
    return data


# Day ordinals (date.toordinal) make the arithmetic plain: ordinal 1, 0001-01-01, is a Monday, so
# ordinal o is a weekday exactly when o % 7 is 1..5.


def _weekdays_through(ordinal: int) -> int:
    """How many Mondays to Fridays there are from ordinal 1 through ``ordinal``."""
    weeks, rest = divmod(ordinal, 7)
    return 5 * weeks + min(rest, 5)


def _nth_weekday(n: int) -> int:
    """The ordinal of the ``n``-th Monday-to-Friday day from ordinal 1 (n >= 1)."""
    weeks, rest = divmod(n - 1, 5)
    return 7 * weeks + rest + 1


class WorkingCalendar:
    """Working days: Monday to Friday, less the decreed holidays and cuti bersama of the covered years, and less
    a region's own days off (``extra``) in any year.

    Working days are numbered in order (the "rank" of a day is how many working days fall on or before
    it); every method is rank arithmetic. Within the span of the days known (the covered years, and the
    years of the extra days) the ranks come from a precomputed sorted array of working-day ordinals, outside
    it from counting weekdays.
    """

    def __init__(self, data: HolidayFile, extra: Iterable[Holiday] = ()) -> None:
        problems = list(_problems(data))
        if problems:
            raise HolidayDataError("\n".join(problems))
        self._years: dict[int, HolidayYear] = {entry.year: entry for entry in data.years}
        self._holidays: dict[dt.date, Holiday] = {h.date: h for entry in data.years for h in entry.holidays}
        for own in extra:
            # A national day on the same date stays the one named (the region's adds nothing to count).
            self._holidays.setdefault(own.date, own)
        years = set(self._years) | {day.year for day in self._holidays}
        if years:
            first = dt.date(min(years), 1, 1).toordinal()
            last = dt.date(max(years), 12, 31).toordinal()
        else:
            first, last = 1, 0  # an empty span: weekends only, everywhere
        self._first = first
        self._last = last
        off = {day.toordinal() for day in self._holidays}
        # The working days of the span, ascending: ordinal → rank within the span by bisection. An int array
        # (4 bytes a day, not a list of int objects): a process keeps one of these per region with days of
        # its own.
        self._working = array("i", (o for o in range(first, last + 1) if o % 7 in (1, 2, 3, 4, 5) and o not in off))
        # Ranks before the span are plain weekday counts; after it they lack the span's weekday holidays.
        self._rank_before = _weekdays_through(first - 1)
        self._holidays_on_weekdays = (_weekdays_through(last) - self._rank_before) - len(self._working)

    @classmethod
    def from_file(cls, path: Path = DATA_FILE) -> WorkingCalendar:
        return cls(load_holiday_file(path))

    # ---- rank arithmetic -------------------------------------------------------------------------

    def _rank(self, ordinal: int) -> int:
        """How many working days fall on or before ``ordinal``, counted from 0001-01-01."""
        if ordinal < self._first:
            return _weekdays_through(ordinal)
        if ordinal > self._last:
            return _weekdays_through(ordinal) - self._holidays_on_weekdays
        return self._rank_before + bisect_right(self._working, ordinal)

    def _nth(self, rank: int) -> int:
        """The ordinal of the working day whose rank is ``rank`` (rank >= 1)."""
        index = rank - self._rank_before - 1
        if index < 0:
            return _nth_weekday(rank)
        if index >= len(self._working):
            return _nth_weekday(rank + self._holidays_on_weekdays)
        return self._working[index]

    # ---- public API ------------------------------------------------------------------------------

    def covers(self, day: dt.date) -> bool:
        """Whether ``day``'s year is in the holiday data; outside it only weekends are days off."""
        return day.year in self._years

    def is_confirmed(self, day: dt.date) -> bool:
        """Whether ``day``'s year is covered by a decree's own list (not estimated dates)."""
        entry = self._years.get(day.year)
        return entry is not None and entry.confirmed

    def holiday(self, day: dt.date) -> Holiday | None:
        """The decreed holiday, cuti bersama or region's day off on ``day``, if any (whatever the weekday)."""
        return self._holidays.get(day)

    def is_working_day(self, day: dt.date) -> bool:
        """Monday to Friday, and neither a national holiday, cuti bersama nor the region's own day off."""
        return day.weekday() < 5 and day not in self._holidays

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The due date of an SLA of ``days`` working days for something received on ``start``.

        Day 1 is the first working day after ``start``. With ``days == 0`` the answer is ``start``
        itself when it is a working day, else the next working day.
        """
        if days < 0:
            raise ValueError(f"days must not be negative, got {days}")
        ordinal = start.toordinal()
        if days == 0:
            return dt.date.fromordinal(self._nth(self._rank(ordinal - 1) + 1))
        return dt.date.fromordinal(self._nth(self._rank(ordinal) + days))

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """How many working days d satisfy ``start < d <= end`` (0 when ``end <= start``).

        Used to extend a deadline by the working days an application spent waiting for the citizen.
        """
        if end <= start:
            return 0
        return self._rank(end.toordinal()) - self._rank(start.toordinal())


@cache
def calendar() -> WorkingCalendar:
    """The national working calendar of the shipped holiday file, loaded once: the seed of the database, and
    what a process uses for a deadline before it has read the days in force (``api.calendar.service``)."""
    return WorkingCalendar.from_file()
