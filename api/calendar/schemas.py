"""The calendar on the wire: a region's days off for everyone, and the admin's view of the days with their history."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

from api.lib.wire import Input, Struct

# Lenient on purpose: a missing or blank name or source is the service's 422 with the field named (shown next to
# the field), not the framework's 400 for a body that does not decode. Lengths are checked there too.
Text = Annotated[str, msgspec.Meta(max_length=4000)]


class DayName(Struct):
    """A day's name in Indonesian (as the decree writes it) and English."""

    id: str
    en: str


class DayNameInput(Input):
    id: Text = ""
    en: Text = ""


class DayOffCreate(Input):
    """A day off to add: national (``region`` omitted; national admins) or a region's own."""

    day: dt.date | None = None
    kind: Annotated[str, msgspec.Meta(max_length=40)] = ""
    name: DayNameInput | None = None
    source: Text = ""
    region: Annotated[str, msgspec.Meta(max_length=8)] | None = None


class DayOffRemove(Input):
    """Why a day off is taken back (the decree that revoked it, an error in the entry)."""

    reason: Text = ""


class Person(Struct):
    id: uuid.UUID
    name: str | None = None


class Removal(Struct):
    at: dt.datetime
    reason: str
    by: Person | None = None


class AdminDay(Struct):
    """A day off as the admin screen lists it: where it comes from, who added it, whether it still counts."""

    id: uuid.UUID
    day: dt.date
    kind: str
    name: DayName
    source: str
    national: bool
    added_at: dt.datetime
    # 1 while in force, 2 once removed: the If-Match a removal names.
    revision: int
    # Whether the caller may remove it: their scope, in force, and not in the past.
    editable: bool
    # Null for a national day (always sent: the screen tells the two apart by it).
    region: str | None
    # Null: loaded from the shipped decrees (SKB 3 Menteri), not added by a person.
    added_by: Person | None = None
    removed: Removal | None = None


class DayAdded(AdminDay, kw_only=True):
    """The day added, and how many open applications' deadlines moved one working day later because of it."""

    deadlines_moved: int


class DayRemoved(AdminDay, kw_only=True):
    """The day removed. Deadlines already given are kept: removing a day off never shortens one."""

    deadlines_kept: bool


class CalendarYearInfo(Struct):
    year: int
    covered: bool
    confirmed: bool
    # The national decree of that year.
    source: str | None = None


class AdminCalendar(Struct):
    """A year's days off for the admin: the national ones and, with a region, the region's own (removed ones too)."""

    year: CalendarYearInfo
    items: list[AdminDay]
    total: int
    region: str | None = None


class PublicDay(Struct):
    day: dt.date
    kind: str
    name: str
    national: bool
    source: str


class RegionCalendar(Struct):
    """The days off in force in a region in a year (national and its own), names in the request's language."""

    region: str
    year: CalendarYearInfo
    items: list[PublicDay]
    total: int
