"""What the consumer reads of each source's events, and what each event adds to which fact rows.

Each source is one read of the events of a slice of transaction ids (``[start, upto)``, see ``consumer.py``),
joined with the rows they are about, and a pure function that turns those rows into increments of the fact tables'
day and month rows. Units are those in force *at the event*: a ticket transferred or a complaint reassigned later
still counts its issue or filing where it was (the event that moved it keeps the unit it left in its detail), and a
decision is judged against the due date in force when it was made (a later ``deadline_changed`` keeps the date it
replaced) — so the consumer's answer does not depend on when it runs, which is what ``verify`` checks.

Local days are in the region's zone (``api.catalogue.timezones``); working days on the region's calendar
(``api.calendar.service``: only days ahead may be added or removed, so a past span's count never changes).
"""

# ruff: noqa: S608  (statements of ours built from the constants in definitions; every value is a parameter)
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from api.calendar.service import working_calendar
from api.catalogue.timezones import time_zone
from api.stats import definitions as d

# The events of transactions [$1, $2); of transaction $1 itself only those with an id in ($3, $4] (the consumer
# counts a transaction with more events than a step in pages of ids).
_SLICE = """e.xid >= $1::bigint::text::xid8 AND e.xid < $2::bigint::text::xid8
    AND (e.xid > $1::bigint::text::xid8 OR (e.id > $3 AND e.id <= $4))"""


def _list(values: Iterable[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


APPLICATION_EVENTS = f"""
SELECT e.action, e.to_status, e.at, e.actor, a.region, a.agency, a.service, a.submitted_at,
       CASE WHEN e.action IN ({_list(d.APPLICATION_DECISIONS)}) THEN coalesce(
           (SELECT (m.detail->>'from')::date FROM applications_event m
            WHERE m.application = e.application AND m.id > e.id AND m.action = '{d.DEADLINE_MOVED}'
            ORDER BY m.id LIMIT 1),
           a.due_date) END AS due_date
FROM applications_event e JOIN applications_application a ON a.id = e.application
WHERE {_SLICE} AND (e.action IN ({_list((d.APPLICATION_RECEIVED, d.APPLICATION_CORRECTION, *d.APPLICATION_DECISIONS))})
                    OR e.to_status IN ({_list(d.APPLICATION_ENDS)}))
"""

# The building the ticket was issued in (kept on the ticket: a building added to the region later changes nothing).
TICKET_EVENTS = f"""
SELECT e.action, e.at, e.actor, e.detail->>'withApplication' AS with_application, t.region, t.mpp,
       coalesce((moved.detail->>'fromAgency')::uuid, t.agency) AS agency,
       CASE WHEN moved.detail ? 'fromAgency' THEN (moved.detail->>'fromService')::uuid ELSE t.service END AS service,
       t.application IS NOT NULL AS has_application, t.issued_at, t.due_at, t.first_called_at,
       t.estimate_low, t.estimate_high
FROM queue_ticket_event e JOIN queue_ticket t ON t.id = e.ticket
LEFT JOIN LATERAL (SELECT x.detail FROM queue_ticket_event x
                   WHERE x.ticket = e.ticket AND x.id > e.id AND x.action = '{d.TICKET_TRANSFERRED}'
                   ORDER BY x.id LIMIT 1) moved ON true
WHERE {_SLICE} AND e.action IN ({_list((*d.TICKET_ISSUED, d.TICKET_SERVED, d.TICKET_NO_SHOW))})
"""

COMPLAINT_EVENTS = f"""
SELECT e.action, e.at, c.region,
       coalesce((SELECT g.id FROM feedback_complaint_event r
                 JOIN catalogue_agency g ON g.region = c.region AND g.code = r.detail->>'from'
                 WHERE r.complaint = e.complaint AND r.id > e.id AND r.action = '{d.COMPLAINT_REASSIGNED}'
                 ORDER BY r.id LIMIT 1), c.agency) AS agency,
       coalesce((SELECT (m.detail->>'previousDueDate')::date FROM feedback_complaint_event m
                 WHERE m.complaint = e.complaint AND m.id > e.id AND m.detail ? 'previousDueDate'
                 ORDER BY m.id LIMIT 1), c.due_date) AS due_date
FROM feedback_complaint_event e JOIN feedback_complaint c ON c.id = e.complaint
WHERE {_SLICE} AND (e.action = '{d.COMPLAINT_FILED}'
    OR (e.action = '{d.COMPLAINT_ANSWERED}' AND NOT EXISTS (
        SELECT 1 FROM feedback_complaint_event p
        WHERE p.complaint = e.complaint AND p.action = '{d.COMPLAINT_ANSWERED}' AND p.id < e.id)))
"""


@dataclass
class Increments:
    """What a slice adds: per fact table, per row (its key and unit columns, in the table's order) the counts."""

    rows: dict[str, dict[tuple[Any, ...], list[int]]] = field(default_factory=lambda: defaultdict(dict))

    def add(self, table: str, key: tuple[Any, ...], width: int, column: int, n: int = 1) -> None:
        """Add ``n`` to count ``column`` (of ``width``) of the day row and of the month row ``key`` names
        (``key[0]`` is the local day; the grain is put in front)."""
        day: dt.date = key[0]
        for grained in (("d", *key), ("m", day.replace(day=1), *key[1:])):
            counts = self.rows[table].setdefault(grained, [0] * width)
            counts[column] += n


def local_day(at: dt.datetime, region: str) -> dt.date:
    return at.astimezone(time_zone(region)).date()


APPLICATION_COUNTS = ("received", "decided", "decided_in_sla", "completed", "rejected", "withdrawn", "corrections")
OFFICER_COUNTS = ("decisions", "corrections", "tickets_served")
QUEUE_COUNTS = ("issued", "served", "no_shows", "counter_served", "estimate_accurate", "walk_ins")
COMPLAINT_COUNTS = ("received", "answered", "answered_on_time")


def _application(out: Increments, r: asyncpg.Record) -> None:
    region = r["region"]
    day = local_day(r["at"], region)
    unit = (day, region, r["agency"], r["service"])
    fact = len(APPLICATION_COUNTS)
    action = r["action"]
    if action == d.APPLICATION_RECEIVED:
        out.add("stats_application_fact", unit, fact, 0)
    if action == d.APPLICATION_CORRECTION:
        out.add("stats_application_fact", unit, fact, 6)
    ended = d.APPLICATION_ENDS.get(r["to_status"])
    if ended is not None:
        out.add("stats_application_fact", unit, fact, APPLICATION_COUNTS.index(ended))
    if action in d.APPLICATION_DECISIONS:
        out.add("stats_application_fact", unit, fact, 1)
        if r["due_date"] is not None and day <= r["due_date"]:
            out.add("stats_application_fact", unit, fact, 2)
        if r["submitted_at"] is not None:
            submitted = local_day(r["submitted_at"], region)
            days = min(working_calendar(region).working_days_between(submitted, day), d.HISTOGRAM_TOP)
            out.add("stats_decision_days", (*unit, days), 1, 0)
    if r["actor"] is not None and (action in d.APPLICATION_DECISIONS or action == d.APPLICATION_CORRECTION):
        column = 0 if action in d.APPLICATION_DECISIONS else 1
        out.add("stats_officer_fact", (day, region, r["agency"], r["actor"]), len(OFFICER_COUNTS), column)


def wait_minutes(r: asyncpg.Record) -> int | None:
    """Minutes from the ticket (or its booked time, when later) to its first call, rounded down; None: never called."""
    if r["first_called_at"] is None:
        return None
    waited = (r["first_called_at"] - max(r["issued_at"], r["due_at"])).total_seconds()
    return min(max(int(waited // 60), 0), d.HISTOGRAM_TOP)


def _ticket(out: Increments, r: asyncpg.Record) -> None:
    region = r["region"]
    day = local_day(r["at"], region)
    unit = (day, region, r["mpp"], r["agency"], r["service"])
    fact = len(QUEUE_COUNTS)
    action = r["action"]
    if action in d.TICKET_ISSUED:
        out.add("stats_queue_fact", unit, fact, 0)
        if action == d.TICKET_WALK_IN:
            out.add("stats_queue_fact", unit, fact, 5)
    elif action == d.TICKET_NO_SHOW:
        out.add("stats_queue_fact", unit, fact, 2)
    elif action == d.TICKET_SERVED:
        out.add("stats_queue_fact", unit, fact, 1)
        with_application = r["with_application"]
        if not (r["has_application"] if with_application is None else with_application == "true"):
            out.add("stats_queue_fact", unit, fact, 3)
        waited = wait_minutes(r)
        if waited is not None:
            if r["estimate_low"] <= waited <= r["estimate_high"]:
                out.add("stats_queue_fact", unit, fact, 4)
            out.add("stats_wait_minutes", (*unit, waited), 1, 0)
        if r["actor"] is not None:
            out.add("stats_officer_fact", (day, region, r["agency"], r["actor"]), len(OFFICER_COUNTS), 2)


def _complaint(out: Increments, r: asyncpg.Record) -> None:
    region = r["region"]
    day = local_day(r["at"], region)
    unit = (day, region, r["agency"])
    if r["action"] == d.COMPLAINT_FILED:
        out.add("stats_complaint_fact", unit, 3, 0)
    else:
        out.add("stats_complaint_fact", unit, 3, 1)
        if day <= r["due_date"]:
            out.add("stats_complaint_fact", unit, 3, 2)


@dataclass(frozen=True)
class Source:
    """One source: its event table (whose ``xid`` the cursor follows), its read, and what a row adds."""

    table: str
    read: str
    count: Callable[[Increments, asyncpg.Record], None]


SOURCES: dict[str, Source] = {
    "applications": Source("applications_event", APPLICATION_EVENTS, _application),
    "queue": Source("queue_ticket_event", TICKET_EVENTS, _ticket),
    "complaints": Source("feedback_complaint_event", COMPLAINT_EVENTS, _complaint),
}

# Each fact table: its columns before the counts (grain first), their SQL types, its counts, its key constraint.
TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "stats_application_fact": (
        ("grain", "day", "region", "agency", "service"),
        ("text", "date", "text", "uuid", "uuid"),
        APPLICATION_COUNTS,
    ),
    "stats_decision_days": (
        ("grain", "day", "region", "agency", "service", "working_days"),
        ("text", "date", "text", "uuid", "uuid", "smallint"),
        ("n",),
    ),
    "stats_queue_fact": (
        ("grain", "day", "region", "mpp", "agency", "service"),
        ("text", "date", "text", "uuid", "uuid", "uuid"),
        QUEUE_COUNTS,
    ),
    "stats_wait_minutes": (
        ("grain", "day", "region", "mpp", "agency", "service", "minutes"),
        ("text", "date", "text", "uuid", "uuid", "uuid", "smallint"),
        ("n",),
    ),
    "stats_complaint_fact": (("grain", "day", "region", "agency"), ("text", "date", "text", "uuid"), COMPLAINT_COUNTS),
    "stats_officer_fact": (
        ("grain", "day", "region", "agency", "officer"),
        ("text", "date", "text", "uuid", "uuid"),
        OFFICER_COUNTS,
    ),
    "stats_region_application": (("grain", "day", "region"), ("text", "date", "text"), APPLICATION_COUNTS),
    "stats_region_decision_days": (
        ("grain", "day", "region", "working_days"),
        ("text", "date", "text", "smallint"),
        ("n",),
    ),
    "stats_region_queue": (("grain", "day", "region"), ("text", "date", "text"), QUEUE_COUNTS),
    "stats_region_wait_minutes": (("grain", "day", "region", "minutes"), ("text", "date", "text", "smallint"), ("n",)),
    "stats_region_complaint": (("grain", "day", "region"), ("text", "date", "text"), COMPLAINT_COUNTS),
}

# The region roll-up of each fact table (what the nation's and a province's readings read): the same counts summed
# over the units below the region, added in the same transaction as the facts.
ROLLUPS: dict[str, str] = {
    "stats_application_fact": "stats_region_application",
    "stats_decision_days": "stats_region_decision_days",
    "stats_queue_fact": "stats_region_queue",
    "stats_wait_minutes": "stats_region_wait_minutes",
    "stats_complaint_fact": "stats_region_complaint",
}


def rolled_up(table: str, rows: dict[tuple[Any, ...], list[int]]) -> dict[tuple[Any, ...], list[int]]:
    """``table``'s rows (key: its unit columns, grain first) summed into its region roll-up's rows."""
    units, target = TABLES[table][0], TABLES[ROLLUPS[table]][0]
    where = [units.index(c) for c in target]
    summed: dict[tuple[Any, ...], list[int]] = {}
    for key, counts in rows.items():
        into = summed.setdefault(tuple(key[i] for i in where), [0] * len(counts))
        for i, n in enumerate(counts):
            into[i] += n
    return summed


def upsert_sql(table: str) -> str:
    """One statement adding a batch of increments to ``table`` (arrays, one per column): new rows are inserted,
    existing ones get the increments added."""
    units, types, counts = TABLES[table]
    columns = (*units, *counts)
    arrays = ", ".join(f"${i + 1}::{t}[]" for i, t in enumerate((*types, *("int",) * len(counts))))
    added = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in counts)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM unnest({arrays})"
        f" ON CONFLICT ON CONSTRAINT {table}_key DO UPDATE SET {added}"
    )


def _order(key: tuple[Any, ...]) -> tuple[str, ...]:
    # A total order on keys with nulls in them (a ticket without a service): the same order in every process, so
    # two sources adding to the same officer's rows lock them in the same order and never deadlock.
    return tuple("" if v is None else str(v) for v in key)


async def save(conn: asyncpg.Connection, increments: Increments) -> None:
    """Add a slice's increments and their region roll-ups: one statement per table."""
    tables = dict(increments.rows)
    tables.update({ROLLUPS[t]: rolled_up(t, rows) for t, rows in increments.rows.items() if t in ROLLUPS})
    for table, rows in sorted(tables.items()):
        if not rows:
            continue
        keys = sorted(rows, key=_order)
        units, _, counts = TABLES[table]
        columns: list[list[Any]] = [[k[i] for k in keys] for i in range(len(units))]
        columns += [[rows[k][i] for k in keys] for i in range(len(counts))]
        await conn.execute(upsert_sql(table), *columns)
