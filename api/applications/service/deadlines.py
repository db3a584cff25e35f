"""Days off and the deadlines they move: the admin's calendar changes, orchestrated where the applications are.

The calendar domain keeps the days (``api.calendar``); it sits below this one and knows nothing of applications.
So adding a day off goes through here, in one transaction: the day (with its audit event), then every open
application whose deadline the day falls inside moves one working day later, each with a ``deadline_changed``
timeline entry (the admin as actor, the day's name in the citizen's language as reason) and an outbox message.

Which deadlines move: those of applications in a status whose deadline is kept (``OPEN``: submitted, in review,
approved, and needs_correction — a paused deadline is stored as if the clock ran and extended on resume by the
working days the citizen took, so it moves too, and the resume then counts on the new calendar), in the day's
scope (every region for a national day, except regions where the date was already off; the region's for its own
day), submitted before the day (in the region's own date) and due on or after it. A day that was not a working
day there (a weekend) moves nothing.

Removing a day off never shortens a deadline already given: the stored dates stay; a citizen may have planned on
them, and the rule "never change a shown deadline without a timeline entry" would otherwise need one per
application for a date that only gets better for them. Only deadlines counted from then on count the day again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import uuid
from collections.abc import Iterable
from typing import Any

import asyncpg
import msgspec

from api.accounts.language import language_of
from api.accounts.service import get_me
from api.applications.service import queries
from api.applications.service.rules import local_today, time_zone
from api.calendar import service as calendar
from api.calendar.service import (
    AdminCalendar,
    Calendars,
    DayAdded,
    DayChange,
    DayOffCreate,
    DayOffRemove,
    DayRemoved,
)
from api.lib.errors import NotFoundError
from api.lib.language import Lang
from api.outbox.service import enqueue

ADMIN = "admin"  # the timeline's actor role (applications_event.actor_role holds 12 characters)
ACTION = "deadline_changed"
TOPIC = "application.deadline_changed"
KIND_WORDS: dict[Lang, dict[str, str]] = {
    "id": {"libur_nasional": "Libur nasional", "cuti_bersama": "Cuti bersama", "libur_daerah": "Libur daerah"},
    "en": {
        "libur_nasional": "National holiday",
        "cuti_bersama": "Collective leave",
        "libur_daerah": "Regional holiday",
    },
}

# The (region, due date) pairs of the open applications a day could move: the new dates are counted per pair in
# Python on the region's calendar (a few hundred pairs, not one per application), then set in one statement.
_PAIRS = f"""SELECT DISTINCT a.region, a.due_date FROM applications_application a
             WHERE {queries.OPEN_CONDITION} AND a.due_date >= $1"""
_MOVE = f"""
    UPDATE applications_application a SET due_date = m.new_due, updated_at = now()
    FROM unnest($1::text[], $2::date[], $3::date[], $4::timestamptz[]) AS m(region, old_due, new_due, cutoff)
    WHERE a.region = m.region AND a.due_date = m.old_due AND {queries.OPEN_CONDITION} AND a.submitted_at < m.cutoff
    RETURNING a.id, a.applicant, a.number, a.status, a.region, m.old_due, m.new_due"""
# Catching up: an application submitted around a day's commit by a process that had not heard of it yet.
_RECENT = f"""SELECT a.id, a.region, a.due_date, a.sla_days, a.submitted_at FROM applications_application a
              WHERE {queries.OPEN_CONDITION} AND a.submitted_at >= $1 AND a.due_date >= $2"""
_MOVE_ONE = """UPDATE applications_application SET due_date = $3, updated_at = now() WHERE id = $1 AND due_date = $2
               RETURNING id, applicant, number, status, region, $2::date AS old_due, due_date AS new_due"""
# How long before a day's commit a late submission may have started (its submitted_at is its transaction's start).
LATE_WINDOW = dt.timedelta(minutes=1)


def today_in(region: str | None) -> dt.date:
    """A region's own date; for a national day, the date where it is latest (past anywhere is past)."""
    return local_today(region) if region else calendar.national_today()


async def _names(conn: asyncpg.Connection, accounts: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str | None]:
    """The names of the few admins who added or removed days (through the accounts service, one read each)."""
    names: dict[uuid.UUID, str | None] = {}
    for account in {a for a in accounts if a is not None}:
        with contextlib.suppress(NotFoundError):  # an erased account: the id stays, the name is gone
            names[account] = (await get_me(conn, account)).name
    return names


async def admin_calendar(
    conn: asyncpg.Connection, *, scope: str | None, region: str | None, year: int
) -> tuple[AdminCalendar, int]:
    """A year's days for an admin of ``scope`` (their region; None: a national admin), and the calendar's version
    (the ETag). With ``region`` the region's own days are listed after the national ones of the same date."""
    info, rows = await calendar.list_days(conn, region=region, year=year)
    names = await _names(conn, [a for r in rows for a in (r["added_by"], r["removed_by"])])
    items = [
        calendar.admin_day(r, names=names, editable=calendar.may_change(r, scope=scope, today=today_in(r["region"])))
        for r in rows
    ]
    return AdminCalendar(year=info, items=items, total=len(items), region=region), await calendar.version(conn)


async def add_day_off(
    conn: asyncpg.Connection, *, actor: uuid.UUID, region: str | None, data: DayOffCreate, ip: str
) -> DayAdded:
    """Add a day off (national when ``region`` is None) and move the deadlines it falls inside, in one transaction."""
    async with conn.transaction():
        change = await calendar.add_day(conn, actor=actor, region=region, data=data, today=today_in(region), ip=ip)
        moved = await move_deadlines(conn, change, actor=actor)
    # This process counts with the new day at once (and catches what it counted meanwhile); the others reload on
    # the NOTIFY of the commit and catch up the same way (api.calendar.runtime).
    before = calendar.calendars()
    after = await calendar.load(conn)
    if before.version:
        await catch_up(conn, before, after)
    day = calendar.admin_day(change.row, names=await _names(conn, [actor]), editable=True)
    return DayAdded(**msgspec.structs.asdict(day), deadlines_moved=moved)


async def remove_day_off(
    conn: asyncpg.Connection,
    *,
    actor: uuid.UUID,
    scope: str | None,
    day_id: uuid.UUID,
    data: DayOffRemove,
    revision: int,
    ip: str,
) -> DayRemoved:
    """Take a day off back. Deadlines already given are kept (see the module's docstring): nothing else changes."""
    async with conn.transaction():
        row = await calendar.remove_day(
            conn, actor=actor, day_id=day_id, scope=scope, data=data, revision=revision, today_of=today_in, ip=ip
        )
    await calendar.load(conn)
    day = calendar.admin_day(row, names=await _names(conn, [row["added_by"], actor]), editable=False)
    return DayRemoved(**msgspec.structs.asdict(day), deadlines_kept=True)


async def move_deadlines(conn: asyncpg.Connection, change: DayChange, *, actor: uuid.UUID | None) -> int:
    """Move, inside the caller's transaction, the deadlines the added day falls inside one working day later;
    returns how many moved."""
    added = change.day
    pairs = await conn.fetch(
        _PAIRS + (" AND a.region = $2" if added.region else ""), added.day, *([added.region] if added.region else [])
    )
    regions: list[str] = []
    olds: list[dt.date] = []
    news: list[dt.date] = []
    cutoffs: list[dt.datetime] = []
    for pair in pairs:
        region, due = pair["region"], pair["due_date"]
        if not change.before.for_region(region).is_working_day(added.day):
            continue  # already off there (a weekend, or the region's own day on a national one): nothing is lost
        regions.append(region)
        olds.append(due)
        news.append(change.after.for_region(region).add_working_days(due, 1))
        # Submitted before the day, in the region's own date: the count of working days began before it.
        cutoffs.append(dt.datetime.combine(added.day, dt.time(), tzinfo=time_zone(region)))
    if not regions:
        return 0
    moved = await conn.fetch(_MOVE, regions, olds, news, cutoffs)
    await _tell(conn, moved, added, actor=actor)
    return len(moved)


async def _tell(
    conn: asyncpg.Connection, moved: list[asyncpg.Record], added: calendar.Day, *, actor: uuid.UUID | None
) -> None:
    """Each moved deadline's timeline entry (in the citizen's language) and outbox message."""
    languages: dict[uuid.UUID, Lang] = {}
    events: list[tuple[Any, ...]] = []
    for row in moved:
        applicant = row["applicant"]
        if applicant not in languages:
            languages[applicant] = await language_of(conn, applicant)
        lang = languages[applicant]
        name = added.name_en if lang == "en" else added.name_id
        detail = {"from": row["old_due"], "to": row["new_due"], "day": added.day, "source": added.source}
        events.append(
            (
                row["id"],
                actor,
                ADMIN,
                row["status"],
                row["status"],
                ACTION,
                f"{KIND_WORDS[lang][added.kind]}: {name}"[:1000],
                json.dumps(detail, default=str),
            )
        )
        await enqueue(
            conn,
            topic=TOPIC,
            recipient=applicant,
            subject=row["id"],
            payload={
                "application": str(row["id"]),
                "number": row["number"],
                "region": row["region"],
                "from": row["old_due"].isoformat(),
                "to": row["new_due"].isoformat(),
                "day": added.day.isoformat(),
                "dayName": {"id": added.name_id, "en": added.name_en},
            },
        )
    # One pipelined statement for all the timeline entries (the table refuses updates and deletes).
    await conn.executemany(queries.INSERT_EVENT, events)


async def catch_up(conn: asyncpg.Connection, before: Calendars, after: Calendars) -> None:
    """Move the deadlines that missed a new day because they were counted in the moment before this process (or
    another) heard of it: the day's own transaction moved the applications that existed then, and each process
    runs this after reloading its calendars, so the last one to hear of the day catches the last late ones.

    An application is late when, submitted since shortly before the day was added, its stored deadline is the
    SLA counted on the calendars without the day and not the one with it (``sla_days`` is stored with it). The
    update names the old date, so of several processes catching up at once, one moves it. Days added together
    are caught together: the first of them names the entry.
    """
    known = {d.id for d in before.days}
    new_days = sorted((d for d in after.days if d.id not in known), key=lambda d: d.day)
    if not new_days:
        return
    added = await calendar.added_at(conn, [d.id for d in new_days])
    for day in new_days:
        if day.id not in added:
            continue
        at, actor = added[day.id]
        rows = await conn.fetch(
            _RECENT + (" AND a.region = $3" if day.region else ""),
            at - LATE_WINDOW,
            day.day,
            *([day.region] if day.region else []),
        )
        for row in rows:
            region = row["region"]
            submitted = local_today(region, row["submitted_at"])
            old_cal, new_cal = before.for_region(region), after.for_region(region)
            if submitted >= day.day or not old_cal.is_working_day(day.day):
                continue
            counted = new_cal.add_working_days(submitted, row["sla_days"])
            if row["due_date"] != old_cal.add_working_days(submitted, row["sla_days"]) or row["due_date"] == counted:
                continue  # counted with the day already, or extended after a correction: not a late one
            async with conn.transaction():
                moved = await conn.fetch(_MOVE_ONE, row["id"], row["due_date"], counted)
                await _tell(conn, moved, day, actor=actor)
