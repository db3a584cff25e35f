"""``mpp stats verify``: every fact row of a period recomputed from the record and compared with what is stored.

The recomputation is a plain GROUP BY over the raw events and the rows they are about, written apart from the
consumer (it shares only the lists of what counts, ``definitions``), so a mistake in either shows as a difference.
Only events the consumer has been given are recomputed: those with ``xid`` below the source's cursor, read in one
repeatable-read snapshot together with the facts and the cursors (the consumer commits its counts and its cursor
together, so they agree in any snapshot). Day rows of ``start``..``end`` are compared, and the month rows of every
month the range touches (recomputed whole). A missing row is a row of zeros.

Erasure (``api/accounts/erasure.py``) keeps what the figures were counted from: applications, tickets and
complaints are pseudonymised, not deleted, and their events are append-only. What it does delete are drafts, which
have no counted event; what it unlinks (a ticket's application) is recorded at the event the figure counts
(``withApplication`` in a ticket's ``done`` detail). So an erasure never makes verify report a difference.

The SKM running sums of feedback are checked against its invitations and answers too (``feedback.skm_check``).
"""

# ruff: noqa: S608  (statements of ours built from the constants in definitions; every value is a parameter)
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import asyncpg

from api.calendar.service import ensure_loaded, working_calendar
from api.catalogue.timezones import province_zones
from api.feedback.skm_check import skm_differences
from api.stats import definitions as d
from api.stats import skm_rollup
from api.stats.sources import ROLLUPS, TABLES, rolled_up


@dataclass(frozen=True)
class Difference:
    """One count that disagrees: where (source, table, grain, day, unit), which column, stored and recomputed."""

    source: str
    table: str
    grain: str
    day: dt.date
    unit: str
    column: str
    stored: int
    recomputed: int

    def __str__(self) -> str:
        return (
            f"{self.source} {self.table} {self.grain} {self.day} {self.unit} {self.column}: "
            f"stored {self.stored}, recomputed {self.recomputed}"
        )


def _list(values: Iterable[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


# $1, $2 the zones; $3 the source's cursor (and $8: of its own transaction, the events up to this id are counted);
# $4, $5 the instants around the months; $6, $7 the months' local days.
_GRAINS = """CROSS JOIN LATERAL (VALUES ('d', x.local), ('m', date_trunc('month', x.local)::date)) k(grain, day)
WHERE x.local BETWEEN $6 AND $7"""
_ZONE = "JOIN unnest($1::text[], $2::text[]) AS z(province, zone) ON z.province = left({region}, 2)"
_EVENTS = """(e.xid < $3::bigint::text::xid8 OR (e.xid = $3::bigint::text::xid8 AND e.id <= $8))
    AND e.at >= $4 AND e.at < $5"""

_APPLICATIONS = f"""
WITH x AS (
    SELECT e.action, e.to_status, e.actor, a.region, a.agency, a.service,
           (e.at AT TIME ZONE z.zone)::date AS local, (a.submitted_at AT TIME ZONE z.zone)::date AS submitted,
           coalesce((SELECT (m.detail->>'from')::date FROM applications_event m
                     WHERE m.application = a.id AND m.action = '{d.DEADLINE_MOVED}' AND m.id > e.id
                     ORDER BY m.id LIMIT 1), a.due_date) AS due_then
    FROM applications_event e JOIN applications_application a ON a.id = e.application {_ZONE.format(region="a.region")}
    WHERE {_EVENTS})
SELECT k.grain, k.day, x.region, x.agency, x.service, x.actor, x.submitted,
       count(*) FILTER (WHERE x.action = '{d.APPLICATION_RECEIVED}') AS received,
       count(*) FILTER (WHERE x.action IN ({_list(d.APPLICATION_DECISIONS)})) AS decided,
       count(*) FILTER (WHERE x.action IN ({_list(d.APPLICATION_DECISIONS)}) AND x.local <= x.due_then)
           AS decided_in_sla,
       count(*) FILTER (WHERE x.to_status = 'completed') AS completed,
       count(*) FILTER (WHERE x.to_status = 'rejected') AS rejected,
       count(*) FILTER (WHERE x.to_status = 'withdrawn') AS withdrawn,
       count(*) FILTER (WHERE x.action = '{d.APPLICATION_CORRECTION}') AS corrections
FROM x {_GRAINS}
GROUP BY 1, 2, 3, 4, 5, 6, 7
"""

_TICKETS = f"""
WITH x AS (
    SELECT e.action, e.actor, t.region, (e.at AT TIME ZONE z.zone)::date AS local, t.mpp,
           CASE WHEN later.detail ? 'fromAgency' THEN (later.detail->>'fromAgency')::uuid ELSE t.agency END AS agency,
           CASE WHEN later.detail ? 'fromAgency' THEN (later.detail->>'fromService')::uuid ELSE t.service END
               AS service,
           coalesce((e.detail->>'withApplication')::boolean, t.application IS NOT NULL) AS with_application,
           least(greatest(floor(extract(epoch FROM t.first_called_at - greatest(t.issued_at, t.due_at)) / 60), 0),
                 {d.HISTOGRAM_TOP})::int AS waited,
           t.estimate_low, t.estimate_high
    FROM queue_ticket_event e JOIN queue_ticket t ON t.id = e.ticket {_ZONE.format(region="t.region")}
    LEFT JOIN LATERAL (SELECT l.detail FROM queue_ticket_event l
                       WHERE l.ticket = t.id AND l.action = '{d.TICKET_TRANSFERRED}' AND l.id > e.id
                       ORDER BY l.id LIMIT 1) later ON true
    WHERE {_EVENTS})
SELECT k.grain, k.day, x.region, x.mpp, x.agency, x.service, x.actor,
       CASE WHEN x.action = '{d.TICKET_SERVED}' THEN x.waited END AS waited,
       count(*) FILTER (WHERE x.action IN ({_list(d.TICKET_ISSUED)})) AS issued,
       count(*) FILTER (WHERE x.action = '{d.TICKET_SERVED}') AS served,
       count(*) FILTER (WHERE x.action = '{d.TICKET_NO_SHOW}') AS no_shows,
       count(*) FILTER (WHERE x.action = '{d.TICKET_SERVED}' AND NOT x.with_application) AS counter_served,
       count(*) FILTER (WHERE x.action = '{d.TICKET_SERVED}' AND x.waited BETWEEN x.estimate_low AND x.estimate_high)
           AS estimate_accurate,
       count(*) FILTER (WHERE x.action = '{d.TICKET_WALK_IN}') AS walk_ins
FROM x {_GRAINS}
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
"""

_COMPLAINTS = f"""
WITH x AS (
    SELECT e.action, c.region, (e.at AT TIME ZONE z.zone)::date AS local,
           coalesce((SELECT g.id FROM feedback_complaint_event r
                     JOIN catalogue_agency g ON g.region = c.region AND g.code = r.detail->>'from'
                     WHERE r.complaint = c.id AND r.action = '{d.COMPLAINT_REASSIGNED}' AND r.id > e.id
                     ORDER BY r.id LIMIT 1), c.agency) AS agency,
           coalesce((SELECT (m.detail->>'previousDueDate')::date FROM feedback_complaint_event m
                     WHERE m.complaint = c.id AND m.detail ? 'previousDueDate' AND m.id > e.id
                     ORDER BY m.id LIMIT 1), c.due_date) AS due_then,
           e.id = (SELECT min(f.id) FROM feedback_complaint_event f
                   WHERE f.complaint = c.id AND f.action = '{d.COMPLAINT_ANSWERED}') AS first_answer
    FROM feedback_complaint_event e JOIN feedback_complaint c ON c.id = e.complaint {_ZONE.format(region="c.region")}
    WHERE {_EVENTS})
SELECT k.grain, k.day, x.region, x.agency,
       count(*) FILTER (WHERE x.action = '{d.COMPLAINT_FILED}') AS received,
       count(*) FILTER (WHERE x.first_answer) AS answered,
       count(*) FILTER (WHERE x.first_answer AND x.local <= x.due_then) AS answered_on_time
FROM x {_GRAINS}
GROUP BY 1, 2, 3, 4
"""

# table → (unit columns after grain and day, count columns)
_SHAPES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "stats_application_fact": (
        ("region", "agency", "service"),
        ("received", "decided", "decided_in_sla", "completed", "rejected", "withdrawn", "corrections"),
    ),
    "stats_decision_days": (("region", "agency", "service", "working_days"), ("n",)),
    "stats_queue_fact": (
        ("region", "mpp", "agency", "service"),
        ("issued", "served", "no_shows", "counter_served", "estimate_accurate", "walk_ins"),
    ),
    "stats_wait_minutes": (("region", "mpp", "agency", "service", "minutes"), ("n",)),
    "stats_complaint_fact": (("region", "agency"), ("received", "answered", "answered_on_time")),
    "stats_officer_fact": (("region", "agency", "officer"), ("decisions", "corrections", "tickets_served")),
}
# The region roll-ups: each the sum of its fact table's stored rows (which are checked against the record).
_REGION_SHAPES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    region: (tuple(c for c in TABLES[region][0] if c not in ("grain", "day")), TABLES[region][2])
    for region in ROLLUPS.values()
}
_REGION_SHAPES["stats_region_skm"] = (("region",), skm_rollup.COUNTS)
_SKM_SUMS = ", ".join(f"sum({c})::bigint AS {c}" for c in skm_rollup.COUNTS)
# feedback's running sums per region, of the days (and whole months) up to the roll-up's last day ($5).
_SKM_REGION = f"""
SELECT 'd' AS grain, day, region, {_SKM_SUMS} FROM feedback_skm_daily
WHERE day BETWEEN $1 AND least($2::date, $5::date) GROUP BY day, region
UNION ALL
SELECT 'm', date_trunc('month', day)::date, region, {_SKM_SUMS} FROM feedback_skm_daily
WHERE day BETWEEN $3 AND least($4::date, $5::date)
  AND (date_trunc('month', day) + interval '1 month - 1 day')::date <= $5::date
GROUP BY 2, 3
"""
_SOURCE_OF = {
    "stats_region_application": "applications",
    "stats_region_decision_days": "applications",
    "stats_region_queue": "queue",
    "stats_region_wait_minutes": "queue",
    "stats_region_complaint": "complaints",
    "stats_region_skm": "skm",
    "stats_application_fact": "applications",
    "stats_decision_days": "applications",
    "stats_queue_fact": "queue",
    "stats_wait_minutes": "queue",
    "stats_complaint_fact": "complaints",
    "stats_officer_fact": "applications+queue",
}

Rows = dict[tuple[Any, ...], list[int]]


class _Tally:
    """The recomputed rows per table: key (grain, day, unit columns) → counts."""

    def __init__(self) -> None:
        self.tables: dict[str, Rows] = defaultdict(dict)

    def add(self, table: str, key: tuple[Any, ...], counts: Iterable[int]) -> None:
        row = self.tables[table].setdefault(key, [0] * len(_SHAPES[table][1]))
        for i, n in enumerate(counts):
            row[i] += n


def _tally_applications(tally: _Tally, rows: list[asyncpg.Record]) -> None:
    counts = _SHAPES["stats_application_fact"][1]
    for r in rows:
        at = (r["grain"], r["day"], r["region"], r["agency"], r["service"])
        tally.add("stats_application_fact", at, [r[c] for c in counts])
        if r["actor"] is not None:
            tally.add("stats_officer_fact", (*at[:4], r["actor"]), [r["decided"], r["corrections"], 0])
    # The decisions' working days, on each region's calendar: the local days of submission and decision are grouped
    # in SQL, the days between counted here (per grain the decision's local day is needed: taken from day rows).
    for r in rows:
        if r["grain"] == "d" and r["decided"] and r["submitted"] is not None:
            days = working_calendar(r["region"]).working_days_between(r["submitted"], r["day"])
            days = min(days, d.HISTOGRAM_TOP)
            unit = (r["region"], r["agency"], r["service"], days)
            tally.add("stats_decision_days", ("d", r["day"], *unit), [r["decided"]])
            tally.add("stats_decision_days", ("m", r["day"].replace(day=1), *unit), [r["decided"]])


def _tally_tickets(tally: _Tally, rows: list[asyncpg.Record]) -> None:
    counts = _SHAPES["stats_queue_fact"][1]
    for r in rows:
        at = (r["grain"], r["day"], r["region"], r["mpp"], r["agency"], r["service"])
        tally.add("stats_queue_fact", at, [r[c] for c in counts])
        if r["served"] and r["waited"] is not None:
            tally.add("stats_wait_minutes", (*at, r["waited"]), [r["served"]])
        if r["served"] and r["actor"] is not None:
            tally.add(
                "stats_officer_fact", (r["grain"], r["day"], r["region"], r["agency"], r["actor"]), [0, 0, r["served"]]
            )


def _tally_complaints(tally: _Tally, rows: list[asyncpg.Record]) -> None:
    counts = _SHAPES["stats_complaint_fact"][1]
    for r in rows:
        tally.add("stats_complaint_fact", (r["grain"], r["day"], r["region"], r["agency"]), [r[c] for c in counts])


def _month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


async def _stored(conn: asyncpg.Connection, table: str, span: tuple[dt.date, dt.date, dt.date, dt.date]) -> Rows:
    units, counts = _SHAPES.get(table) or _REGION_SHAPES[table]
    rows = await conn.fetch(
        f"""SELECT grain, day, {", ".join(units)}, {", ".join(counts)} FROM {table}
            WHERE (grain = 'd' AND day BETWEEN $1 AND $2) OR (grain = 'm' AND day BETWEEN $3 AND $4)""",
        *span,
    )
    return {tuple(r[c] for c in ("grain", "day", *units)): [r[c] for c in counts] for r in rows}


def _compare(table: str, stored: Rows, recomputed: Rows, start: dt.date, end: dt.date) -> list[Difference]:
    units, counts = _SHAPES.get(table) or _REGION_SHAPES[table]
    wanted = {k: v for k, v in recomputed.items() if k[0] == "m" or start <= k[1] <= end}
    found = []
    for key in sorted(set(stored) | set(wanted), key=lambda k: tuple("" if v is None else str(v) for v in k)):
        mine, theirs = stored.get(key, [0] * len(counts)), wanted.get(key, [0] * len(counts))
        unit = ", ".join(f"{name}={value}" for name, value in zip(units, key[2:], strict=True))
        found += [
            Difference(_SOURCE_OF[table], table, key[0], key[1], unit, column, a, b)
            for column, a, b in zip(counts, mine, theirs, strict=True)
            if a != b
        ]
    return found


async def _default_range(conn: asyncpg.Connection) -> tuple[dt.date, dt.date]:
    """Every local day that has an event: from the day before the first event to the day after the last (UTC)."""
    first, last = await conn.fetchrow(
        """SELECT least((SELECT min(at) FROM applications_event), (SELECT min(at) FROM queue_ticket_event),
                        (SELECT min(at) FROM feedback_complaint_event)),
                  greatest((SELECT max(at) FROM applications_event), (SELECT max(at) FROM queue_ticket_event),
                           (SELECT max(at) FROM feedback_complaint_event))"""
    )
    today = dt.datetime.now(dt.UTC).date()
    if first is None:
        return today, today
    return first.date() - dt.timedelta(days=1), last.date() + dt.timedelta(days=1)


async def verify(
    conn: asyncpg.Connection, *, start: dt.date | None = None, end: dt.date | None = None
) -> list[Difference]:
    """Every difference between the stored facts of ``start``..``end`` (local days; default: every day with an
    event) and the record, and between feedback's SKM running sums and its answers."""
    await ensure_loaded(conn)
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        if start is None or end is None:
            start, end = await _default_range(conn)
        low, high = start.replace(day=1), _month_end(end)
        zones = province_zones()
        cursors = {
            r["source"]: (r["position"], r["after_id"])
            for r in await conn.fetch("SELECT source, position::text::bigint AS position, after_id FROM stats_cursor")
        }
        around = (
            dt.datetime.combine(low - dt.timedelta(days=1), dt.time(), dt.UTC),
            dt.datetime.combine(high + dt.timedelta(days=2), dt.time(), dt.UTC),
        )
        args = (list(zones), list(zones.values()))
        tally = _Tally()
        for source, sql, add in (
            ("applications", _APPLICATIONS, _tally_applications),
            ("queue", _TICKETS, _tally_tickets),
            ("complaints", _COMPLAINTS, _tally_complaints),
        ):
            position, after = cursors.get(source, (0, 0))
            add(tally, await conn.fetch(sql, *args, position, *around, low, high, after))
        differences: list[Difference] = []
        span = (start, end, low, high)
        facts: dict[str, Rows] = {}
        for table in _SHAPES:
            facts[table] = await _stored(conn, table, span)
            differences += _compare(table, facts[table], tally.tables[table], start, end)
        for table, region in ROLLUPS.items():
            differences += _compare(
                region, await _stored(conn, region, span), rolled_up(table, facts[table]), start, end
            )
        through = await skm_rollup.rolled_through(conn)
        if through is not None:
            rolled = {
                (r["grain"], r["day"], r["region"]): [int(r[c]) for c in skm_rollup.COUNTS]
                for r in await conn.fetch(_SKM_REGION, *span, through)
            }
            differences += _compare(
                "stats_region_skm", await _stored(conn, "stats_region_skm", span), rolled, start, end
            )
        for s in await skm_differences(conn, start=start, end=end):
            unit = f"region={s.region}, agency={s.agency}, service={s.service}"
            differences.append(
                Difference("skm", "feedback_skm_daily", "d", s.day, unit, s.column, s.kept, s.recomputed)
            )
    return differences
