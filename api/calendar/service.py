"""The days off in force, as each process's working calendars, and the admin's changes to them.

The database holds the days (``calendar_day``: national ones with a null region, and each region's own) and the
years whose national decree is known (``calendar_year``). Every process keeps them in memory as one
:class:`Calendars` (the national calendar, and a region's own built the first time a deadline there is counted),
replaced whole when the days change (``api.calendar.runtime`` listens for ``calendar_changed``). Deadlines are
then pure arithmetic on the request path, with no database round trip.

Changing a day is the admin's: :func:`add_day` and :func:`remove_day` run inside the caller's transaction, under
one advisory lock (two admins' changes are counted one after the other). ``add_day`` returns the calendars before
and after, so that the caller — ``api.applications.service.deadlines``, which owns the applications — can move the
deadlines the new day falls inside in the same transaction. This domain imports no domain above it.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import asyncpg

from api.audit.service import record
from api.calendar.errors import (
    DayOffExistsError,
    DayOffNotFoundError,
    EditConflictError,
    InvalidDayOffError,
    NationalDayError,
)
from api.calendar.schemas import (
    AdminCalendar as AdminCalendar,
)
from api.calendar.schemas import (
    AdminDay,
    CalendarYearInfo,
    DayName,
    DayOffCreate,
    Person,
    PublicDay,
    RegionCalendar,
    Removal,
)
from api.calendar.schemas import DayAdded as DayAdded
from api.calendar.schemas import DayOffRemove as DayOffRemove
from api.calendar.schemas import DayRemoved as DayRemoved
from api.calendar.working import (
    NATIONAL_KINDS,
    REGION_KINDS,
    Holiday,
    HolidayFile,
    HolidayKind,
    HolidayName,
    HolidayYear,
    WorkingCalendar,
    load_holiday_file,
)
from api.calendar.working import calendar as shipped_calendar
from api.catalogue.service import region_exists
from api.lib.errors import FieldError, NotFoundError
from api.lib.language import Lang, pick

# Serialises changes to the days: the "before" a change is counted from is the one the previous change left.
CHANGE_LOCK_KEY = 0x6D70_7063_616C  # "mppcal"
# Days are added for this year and the next two at most: no decree is published further ahead, and each process
# keeps an array of the working days of the whole span known.
YEARS_AHEAD = 2
MAX_NAME = 300
MAX_SOURCE = 2000
MAX_REASON = 1000
# A national day is in the past once it is past anywhere: the date turns first in WIT (UTC+9).
FIRST_ZONE = zoneinfo.ZoneInfo("Asia/Jayapura")


@dataclass(frozen=True)
class Day:
    """A day off in force."""

    id: uuid.UUID
    day: dt.date
    region: str | None
    kind: HolidayKind
    name_id: str
    name_en: str
    source: str

    def holiday(self) -> Holiday:
        return Holiday(date=self.day, name=HolidayName(id=self.name_id, en=self.name_en), kind=self.kind)


@dataclass(frozen=True)
class Year:
    year: int
    source: str
    confirmed: bool


@dataclass
class Calendars:
    """Every region's working calendar, from one reading of the days in force (``version``)."""

    version: int
    years: dict[int, Year]
    days: list[Day]
    national: WorkingCalendar = field(init=False)
    _file: HolidayFile = field(init=False, repr=False)
    _national_extra: list[Holiday] = field(init=False, repr=False)
    _own: dict[str, list[Holiday]] = field(init=False, repr=False)
    _built: dict[str, WorkingCalendar] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        by_year: dict[int, list[Holiday]] = defaultdict(list)
        self._national_extra = []
        self._own = defaultdict(list)
        for day in sorted(self.days, key=lambda d: d.day):
            if day.region is not None:
                self._own[day.region].append(day.holiday())
            elif day.day.year in self.years:
                by_year[day.day.year].append(day.holiday())
            else:  # a national day of a year whose decree is not recorded: it still counts
                self._national_extra.append(day.holiday())
        self._file = HolidayFile(
            years=[
                HolidayYear(year=y.year, source=y.source, confirmed=y.confirmed, holidays=by_year[y.year])
                for y in sorted(self.years.values(), key=lambda y: y.year)
            ]
        )
        self.national = WorkingCalendar(self._file, self._national_extra)
        self._built = {}

    def for_region(self, region: str) -> WorkingCalendar:
        """The region's calendar: the national one, less its own days. Built once per reading, on first use."""
        own = self._own.get(region)
        if not own:
            return self.national
        built = self._built.get(region)
        if built is None:
            built = self._built[region] = WorkingCalendar(self._file, [*self._national_extra, *own])
        return built

    def in_force(self, region: str | None, year: int) -> list[Day]:
        """The year's days off that apply in ``region`` (national ones, and its own), by date."""
        return sorted(
            (d for d in self.days if d.day.year == year and d.region in (None, region)),
            key=lambda d: (d.day, d.region is not None),
        )


def _from_file() -> Calendars:
    data = load_holiday_file()
    years = {y.year: Year(y.year, y.source, y.confirmed) for y in data.years}
    days = [
        Day(uuid.UUID(int=0), h.date, None, h.kind, h.name.id, h.name.en, y.source)
        for y in data.years
        for h in y.holidays
    ]
    return Calendars(version=0, years=years, days=days)


_shipped = cache(_from_file)
_current: Calendars | None = None


def calendars() -> Calendars:
    """The calendars this process has read; before its first reading, the shipped decrees (the database's seed)."""
    return _current or _shipped()


def working_calendar(region: str) -> WorkingCalendar:
    """The working calendar of deadlines in ``region``: pure and in memory (no database round trip)."""
    return calendars().for_region(region)


async def fetch_calendars(conn: asyncpg.Connection) -> Calendars:
    """Read the days in force and the covered years, as one consistent snapshot."""
    if conn.is_in_transaction():
        # A change's own transaction, which holds the change lock: nothing else changes the days meanwhile.
        return await _read(conn)
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        return await _read(conn)


async def _read(conn: asyncpg.Connection) -> Calendars:
    version = await conn.fetchval("SELECT version FROM calendar_version WHERE id = 1")
    years = await conn.fetch("SELECT year, source, confirmed FROM calendar_year")
    days = await conn.fetch(
        "SELECT id, day, region, kind, name_id, name_en, source FROM calendar_day WHERE removed_at IS NULL"
    )
    return Calendars(
        version=version or 0,
        years={r["year"]: Year(r["year"], r["source"], r["confirmed"]) for r in years},
        days=[Day(**dict(r)) for r in days],
    )


async def load(conn: asyncpg.Connection) -> Calendars:
    """Read the days in force and make them this process's calendars (unless a newer reading got there first: the
    listener and an admin's own request may read at the same time)."""
    global _current
    fresh = await fetch_calendars(conn)
    if _current is None or fresh.version >= _current.version:
        _current = fresh
    return _current


async def ensure_loaded(conn: asyncpg.Connection) -> None:
    """Read the days once in a process that does not listen for changes (a CLI command, a test calling a service
    directly); a process that listens has read them at start-up, and this costs nothing."""
    if _current is None:
        await load(conn)


# --- the public view --------------------------------------------------------------------------------------------


def _year_info(cals: Calendars, year: int) -> CalendarYearInfo:
    known = cals.years.get(year)
    if known is None:
        return CalendarYearInfo(year=year, covered=False, confirmed=False)
    return CalendarYearInfo(year=year, covered=True, confirmed=known.confirmed, source=known.source)


async def region_calendar(conn: asyncpg.Connection, *, region: str, year: int, lang: Lang) -> RegionCalendar:
    """The days off in force in a region in a year, from this process's calendars (current within seconds)."""
    if not await region_exists(conn, region):
        raise NotFoundError("region")
    cals = calendars()
    items = [
        PublicDay(
            day=d.day, kind=d.kind, name=pick(lang, d.name_id, d.name_en), national=d.region is None, source=d.source
        )
        for d in cals.in_force(region, year)
    ]
    return RegionCalendar(region=region, year=_year_info(cals, year), items=items, total=len(items))


# --- the admin's view and changes -------------------------------------------------------------------------------

# A constant of ours, put into statements with an f-string (hence the S608 waivers below: no input reaches them).
_DAY_COLUMNS = (
    "id, day, region, kind, name_id, name_en, source, added_by, added_at, removed_at, removed_by, removed_reason"
)


async def list_days(
    conn: asyncpg.Connection, *, region: str | None, year: int
) -> tuple[CalendarYearInfo, list[asyncpg.Record]]:
    """A year's national days and, with a region, the region's own — removed ones too (the history) — by date."""
    if region is not None and not await region_exists(conn, region):
        raise NotFoundError("region")
    rows = await conn.fetch(
        f"""SELECT {_DAY_COLUMNS} FROM calendar_day
            WHERE day BETWEEN $1 AND $2 AND (region IS NULL OR region = $3)
            ORDER BY day, region NULLS FIRST, removed_at NULLS FIRST""",  # noqa: S608
        dt.date(year, 1, 1),
        dt.date(year, 12, 31),
        region,
    )
    known = await conn.fetchrow("SELECT year, source, confirmed FROM calendar_year WHERE year = $1", year)
    info = (
        CalendarYearInfo(year=year, covered=True, confirmed=known["confirmed"], source=known["source"])
        if known
        else CalendarYearInfo(year=year, covered=False, confirmed=False)
    )
    return info, list(rows)


async def version(conn: asyncpg.Connection) -> int:
    """The calendar's version: the ETag of the admin's list."""
    return int(await conn.fetchval("SELECT version FROM calendar_version WHERE id = 1") or 0)


async def added_at(
    conn: asyncpg.Connection, ids: list[uuid.UUID]
) -> dict[uuid.UUID, tuple[dt.datetime, uuid.UUID | None]]:
    """When, and by whom, each of these days was added."""
    rows = await conn.fetch("SELECT id, added_at, added_by FROM calendar_day WHERE id = ANY($1::uuid[])", ids)
    return {r["id"]: (r["added_at"], r["added_by"]) for r in rows}


def admin_day(row: asyncpg.Record, *, names: dict[uuid.UUID, str | None], editable: bool) -> AdminDay:
    """A stored day for the admin screen; ``names`` gives the names of the people who added or removed it."""

    def person(account: uuid.UUID | None) -> Person | None:
        return Person(id=account, name=names.get(account)) if account else None

    removed = (
        Removal(at=row["removed_at"], reason=row["removed_reason"], by=person(row["removed_by"]))
        if row["removed_at"]
        else None
    )
    return AdminDay(
        id=row["id"],
        day=row["day"],
        kind=row["kind"],
        name=DayName(id=row["name_id"], en=row["name_en"]),
        source=row["source"],
        national=row["region"] is None,
        added_at=row["added_at"],
        revision=2 if removed else 1,
        region=row["region"],
        added_by=person(row["added_by"]),
        removed=removed,
        editable=editable,
    )


def may_change(row: asyncpg.Record, *, scope: str | None, today: dt.date) -> bool:
    """Whether an admin of ``scope`` (a region, or None for a national admin) may remove this day now."""
    return row["removed_at"] is None and row["day"] >= today and (scope is None or row["region"] == scope)


def national_today(now: dt.datetime | None = None) -> dt.date:
    """Today where it is latest: a national day is in the past once it is past anywhere in Indonesia."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(FIRST_ZONE).date()


@dataclass(frozen=True)
class DayChange:
    """A day added, with every region's calendars before and after it."""

    row: asyncpg.Record
    day: Day
    before: Calendars
    after: Calendars


def _checked(data: DayOffCreate, *, region: str | None, today: dt.date) -> tuple[dt.date, HolidayKind, str, str, str]:
    """The new day's fields, or 422 naming every field that is wrong."""
    errors: list[FieldError] = []
    name = data.name
    name_id = (name.id if name else "").strip()
    name_en = (name.en if name else "").strip()
    source = data.source.strip()
    if data.day is None:
        errors.append(FieldError(field="day", message="is required"))
    elif data.day < today:
        errors.append(FieldError(field="day", message="is in the past; deadlines already counted cannot change"))
    elif data.day.year > today.year + YEARS_AHEAD:
        errors.append(FieldError(field="day", message=f"is too far ahead (until {today.year + YEARS_AHEAD})"))
    kinds = REGION_KINDS if region else NATIONAL_KINDS
    if data.kind not in kinds:
        errors.append(FieldError(field="kind", message="must be one of " + ", ".join(kinds)))
    for where, text, limit in (("name.id", name_id, MAX_NAME), ("name.en", name_en, MAX_NAME)):
        if not text:
            errors.append(FieldError(field=where, message="is required"))
        elif len(text) > limit or "\n" in text or "\r" in text or "\t" in text:
            errors.append(FieldError(field=where, message=f"must be one line of at most {limit} characters"))
    if not source:
        errors.append(FieldError(field="source", message="is required: the decree that sets this day off"))
    elif len(source) > MAX_SOURCE:
        errors.append(FieldError(field="source", message=f"must be at most {MAX_SOURCE} characters"))
    if errors:
        raise InvalidDayOffError(errors)
    assert data.day is not None
    return data.day, data.kind, name_id, name_en, source  # type: ignore[return-value]  # kind checked above


async def add_day(
    conn: asyncpg.Connection,
    *,
    actor: uuid.UUID,
    region: str | None,
    data: DayOffCreate,
    today: dt.date,
    ip: str,
) -> DayChange:
    """Add a day off (national with ``region`` None) inside the caller's transaction, audited with the actor.

    ``today`` is the scope's own date (the caller knows the regions' time zones). 409 when the date is already off
    in that scope: for a region, a national day counts too.
    """
    day, kind, name_id, name_en, source = _checked(data, region=region, today=today)
    if region is not None and not await region_exists(conn, region):
        raise NotFoundError("region")
    await conn.execute("SELECT pg_advisory_xact_lock($1)", CHANGE_LOCK_KEY)
    before = await fetch_calendars(conn)
    if any(d.day == day and d.region in (None, region) for d in before.days):
        raise DayOffExistsError
    row = await conn.fetchrow(
        f"""INSERT INTO calendar_day (id, region, day, kind, name_id, name_en, source, added_by, added_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now()) RETURNING {_DAY_COLUMNS}""",  # noqa: S608
        uuid.uuid4(),
        region,
        day,
        kind,
        name_id,
        name_en,
        source,
        actor,
    )
    if region is None:
        # The first national day of a year records the year as covered, with that day's decree as its source.
        await conn.execute(
            """INSERT INTO calendar_year (year, source, confirmed, added_by, added_at) VALUES ($1, $2, true, $3, now())
               ON CONFLICT (year) DO NOTHING""",
            day.year,
            source,
            actor,
        )
    await record(
        conn,
        action="calendar.day_added",
        actor=actor,
        subject=None,
        detail={"id": str(row["id"]), "day": day.isoformat(), "region": region, "kind": kind, "source": source[:200]},
        ip=ip,
    )
    added = Day(row["id"], day, region, kind, name_id, name_en, source)
    after = await fetch_calendars(conn)
    return DayChange(row=row, day=added, before=before, after=after)


async def remove_day(
    conn: asyncpg.Connection,
    *,
    actor: uuid.UUID,
    day_id: uuid.UUID,
    scope: str | None,
    data: DayOffRemove,
    revision: int,
    today_of: Callable[[str | None], dt.date],
    ip: str,
) -> asyncpg.Record:
    """Take a day off back (a soft removal: who, when, why), inside the caller's transaction.

    ``scope`` is the admin's region (None: a national admin). Another region's day is 404; a national day is a
    region admin's to see, not to change (403). ``today_of(region)`` is that scope's date (the caller knows the
    regions' time zones): a day in the past stays.
    """
    await conn.execute("SELECT pg_advisory_xact_lock($1)", CHANGE_LOCK_KEY)
    row = await conn.fetchrow(f"SELECT {_DAY_COLUMNS} FROM calendar_day WHERE id = $1 FOR UPDATE", day_id)  # noqa: S608
    if row is None or (scope is not None and row["region"] not in (None, scope)):
        raise DayOffNotFoundError
    if scope is not None and row["region"] is None:
        raise NationalDayError
    if row["removed_at"] is not None or revision != 1:
        raise EditConflictError
    reason = data.reason.strip()
    errors = []
    if not reason:
        errors.append(FieldError(field="reason", message="is required"))
    elif len(reason) > MAX_REASON:
        errors.append(FieldError(field="reason", message=f"must be at most {MAX_REASON} characters"))
    if row["day"] < today_of(row["region"]):
        errors.append(FieldError(field="day", message="is in the past; deadlines already counted cannot change"))
    if errors:
        raise InvalidDayOffError(errors)
    updated: asyncpg.Record = await conn.fetchrow(
        f"""UPDATE calendar_day SET removed_at = now(), removed_by = $2, removed_reason = $3 WHERE id = $1
            RETURNING {_DAY_COLUMNS}""",  # noqa: S608
        day_id,
        actor,
        reason,
    )
    await record(
        conn,
        action="calendar.day_removed",
        actor=actor,
        subject=None,
        detail={"id": str(day_id), "day": row["day"].isoformat(), "region": row["region"], "reason": reason[:200]},
        ip=ip,
    )
    return updated


# --- the seed ---------------------------------------------------------------------------------------------------


async def seed_national_days(conn: asyncpg.Connection) -> int:
    """Load each year of the shipped decrees (``data/holidays.yaml``) that the database does not have yet: the
    first start, and a database made before the days lived in it. Idempotent: a year is loaded once, so a day an
    admin removed later is not brought back. Returns how many days were added."""
    data = load_holiday_file()
    added = 0
    async with conn.transaction():
        for entry in data.years:
            fresh = await conn.fetchval(
                """INSERT INTO calendar_year (year, source, confirmed, added_at) VALUES ($1, $2, $3, now())
                   ON CONFLICT (year) DO NOTHING RETURNING year""",
                entry.year,
                entry.source,
                entry.confirmed,
            )
            if fresh is None:
                continue
            status = await conn.execute(
                """INSERT INTO calendar_day (id, region, day, kind, name_id, name_en, source, added_at)
                   SELECT gen_random_uuid(), NULL, d.day, d.kind, d.name_id, d.name_en, $5, now()
                   FROM unnest($1::date[], $2::text[], $3::text[], $4::text[]) AS d(day, kind, name_id, name_en)
                   ON CONFLICT DO NOTHING""",
                [h.date for h in entry.holidays],
                [h.kind for h in entry.holidays],
                [h.name.id for h in entry.holidays],
                [h.name.en for h in entry.holidays],
                entry.source,
            )
            added += int(status.split()[-1])
    return added


__all__ = [
    "AdminCalendar",
    "Calendars",
    "Day",
    "DayAdded",
    "DayChange",
    "DayOffCreate",
    "DayOffRemove",
    "DayRemoved",
    "WorkingCalendar",
    "add_day",
    "added_at",
    "admin_day",
    "calendars",
    "ensure_loaded",
    "fetch_calendars",
    "list_days",
    "load",
    "may_change",
    "national_today",
    "region_calendar",
    "remove_day",
    "seed_national_days",
    "shipped_calendar",
    "working_calendar",
]
