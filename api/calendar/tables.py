"""Calendar tables: the days off that deadlines skip, national and each region's own, and the years covered.

``calendar_day`` is a history: a day is inserted once and never deleted; removing it sets its removal columns,
once. A trigger (hand-written migration) refuses DELETE, TRUNCATE and any other UPDATE, and a partial unique
index keeps one day in force per date and scope. Statement triggers bump ``calendar_version`` and NOTIFY
``calendar_changed`` so every process reloads its calendars (``api.calendar.runtime``).
"""

from __future__ import annotations

from piccolo.columns import (
    UUID,
    BigInt,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from api.catalogue.tables import Region


class CalendarYear(Table, tablename="calendar_year"):
    """A year whose national days are known, and the decree they come from. Outside these years only weekends
    (and a region's own days) are days off."""

    year = Integer(primary_key=True)
    source = Text(null=False)
    # False marks a year whose decree was not found and whose dates are estimates.
    confirmed = Boolean(null=False, default=True)
    # Null: loaded from the shipped decrees file (api/calendar/data/holidays.yaml).
    added_by = UUID(null=True, default=None)
    added_at = Timestamptz(null=False)


class CalendarDay(Table, tablename="calendar_day"):
    """A day off: national (region null) or a region's own, with the decree it comes from and who added it."""

    id = UUID(primary_key=True)
    region = ForeignKey(references=Region, null=True, default=None, on_delete=OnDelete.restrict, index=True)
    day = Date(null=False, index=True)
    # libur_nasional | cuti_bersama (national or a region's own) | libur_daerah (a region's own)
    kind = Varchar(length=16, null=False)
    name_id = Varchar(length=300, null=False)
    name_en = Varchar(length=300, null=False)
    # The decree: "SKB 3 Menteri No. … Tahun 2026", "Keputusan Bupati Banyumas No. …".
    source = Text(null=False)
    # Null: loaded from the shipped decrees file.
    added_by = UUID(null=True, default=None)
    added_at = Timestamptz(null=False)
    # A removal is a soft one, with who, when and why; set once (the trigger refuses anything else).
    removed_at = Timestamptz(null=True, default=None)
    removed_by = UUID(null=True, default=None)
    removed_reason = Text(null=True, default=None)


class CalendarVersion(Table, tablename="calendar_version"):
    """One row whose version goes up on every change of the days or years (set by statement triggers): the
    ETag of the calendar, and what a process compares to know its calendars are current."""

    id = SmallInt(primary_key=True)
    version = BigInt(null=False, default=1)
    changed_at = Timestamptz(null=False)
