"""The figures of one unit over a period: per day, week or month, in total, and per child unit (the breakdown).

Read from the stats read model (``stats_*``, kept by ``api.stats.consumer``), one statement per source and not a
statement per period or unit: each statement groups by ``GROUPING SETS ((period), (), (child))``, so the periods, the
total and the breakdown come out of the same rows. Which rows: month rows (``grain = 'm'``) for the whole months of
the range when the grain is a month, day rows for the rest (a partial month at either end, and every day of a week or
day grain) — a year of a region by month reads about twelve rows per service. Percentiles (median, p90) are exact:
``percentile_disc`` over the histogram rows, the smallest value whose cumulative share reaches p, compared in
integers (2·cum ≥ total, 10·cum ≥ 9·total).

Not from the read model: ``overdueNow`` (open applications past their due date *now*: the applications domain
counts them, ``overdue_now``) and the SKM index and its respondents (feedback keeps the running sums per unit and
day; ``skm_groups`` reads them). ``overdueNow`` is a figure of the present, so it is null in the periods.

Called in-process (the bench, the dashboards' routes)::

    scope = await scopes.find(conn, "region:3302", lang="id")          # or scopes.resolve(..., viewer=...)
    report = await figures(conn, scope=scope, start=date(2026, 1, 1), end=date(2026, 12, 31), grain="month",
                           language="id")
"""

# ruff: noqa: S608  (statements built from constants of this module; every value is a parameter)
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import asyncpg

from api.applications.service.overdue import overdue_now
from api.feedback.skm import ELEMENTS as SKM_ELEMENTS
from api.feedback.skm import index as skm_index
from api.feedback.skm_groups import skm_groups
from api.lib.errors import DomainError, FieldError
from api.lib.language import Lang
from api.stats import definitions, skm_rollup
from api.stats.rollup import share
from api.stats.schemas import FigureReport, Figures, Grain, PeriodFigures, UnitFigures, UnitRef
from api.stats.scopes import ChildKind, Scope, Unit, children

MAX_DAYS = 366
PERIOD = "period"
TOTAL = "total"
CHILD = "child"
# A group of rows: ("period", its first day), ("total", None) or ("child", the child unit's code).
GroupKey = tuple[str, Any]
Sums = dict[str, int | None]
Groups = dict[GroupKey, Sums]


class InvalidPeriodError(DomainError):
    """422 ``invalid_period``: ``to`` before ``from``, or a range over MAX_DAYS days."""

    status = 422
    code = "invalid_period"

    def __init__(self, field: str, message: str) -> None:
        errors = [FieldError(field=field, message=message)]
        super().__init__(f"The period is not valid: {field} {message}.", errors=errors)


def check_period(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise InvalidPeriodError("to", "must not be before from")
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidPeriodError("to", f"the period may span {MAX_DAYS} days at most")


# --- which rows, and how they are grouped -------------------------------------------------------------------------


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def periods(start: dt.date, end: dt.date, grain: Grain) -> list[tuple[dt.date, dt.date]]:
    """The periods of the range, each clipped to it: days; ISO weeks (Monday to Sunday); calendar months."""
    found: list[tuple[dt.date, dt.date]] = []
    first = start
    while first <= end:
        if grain == "day":
            following = first + dt.timedelta(days=1)
        elif grain == "week":
            following = first + dt.timedelta(days=7 - first.weekday())
        else:
            following = _next_month(first)
        last = min(end, following - dt.timedelta(days=1))
        found.append((first, last))
        first = following
    return found


@dataclass(frozen=True)
class Rows:
    """Which fact rows to read: month rows from ``months[0]`` to ``months[1]`` (firsts of months), day rows over
    each of ``days`` (inclusive ranges)."""

    months: tuple[dt.date, dt.date] | None
    days: tuple[tuple[dt.date, dt.date], ...]


def rows_for(start: dt.date, end: dt.date, grain: Grain) -> Rows:
    """Month rows for the whole months of a month grain's range, day rows for everything else."""
    if grain != "month":
        return Rows(months=None, days=((start, end),))
    first_whole = start if start.day == 1 else _next_month(start)
    after_last_whole = _month_start(end) if _next_month(end) - dt.timedelta(days=1) != end else _next_month(end)
    if first_whole >= after_last_whole:
        return Rows(months=None, days=((start, end),))
    days = []
    if start < first_whole:
        days.append((start, first_whole - dt.timedelta(days=1)))
    if after_last_whole <= end:
        days.append((after_last_whole, end))
    last_whole = _month_start(after_last_whole - dt.timedelta(days=1))
    return Rows(months=(first_whole, last_whole), days=tuple(days))


class Params:
    """Positional parameters ($1, $2, …) of a statement being built."""

    def __init__(self) -> None:
        self.values: list[Any] = []

    def __call__(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}"


@dataclass(frozen=True)
class Source:
    """A fact table and the columns it can be filtered and broken down by."""

    table: str
    mpp: bool  # has the building (queue); otherwise a building's figures are its region's
    service: bool  # has the service; otherwise a service has no figures of this source


APPLICATIONS = Source("stats_application_fact", mpp=False, service=True)
DECISION_DAYS = Source("stats_decision_days", mpp=False, service=True)
QUEUE = Source("stats_queue_fact", mpp=True, service=True)
WAITS = Source("stats_wait_minutes", mpp=True, service=True)
COMPLAINTS = Source("stats_complaint_fact", mpp=False, service=False)
# The region roll-ups (api/stats/sources.py ROLLUPS): what the nation's and a province's readings read when their
# breakdown is by region or province — a region's day or month in one row instead of one per service.
REGION_APPLICATIONS = Source("stats_region_application", mpp=False, service=False)
REGION_DECISION_DAYS = Source("stats_region_decision_days", mpp=False, service=False)
REGION_QUEUE = Source("stats_region_queue", mpp=False, service=False)
REGION_WAITS = Source("stats_region_wait_minutes", mpp=False, service=False)
REGION_COMPLAINTS = Source("stats_region_complaint", mpp=False, service=False)
# SKM per region: the roll-up for the final days (api/stats/skm_rollup.py), feedback's running sums for the rest.
REGION_SKM = Source("stats_region_skm", mpp=False, service=False)
SKM_DAILY = Source(
    f"(SELECT 'd'::varchar AS grain, day, region, {', '.join(skm_rollup.COUNTS)} FROM feedback_skm_daily) skm",
    mpp=False,
    service=False,
)
# The child unit's code in a fact row, per child kind (None: this source cannot tell, e.g. complaints per service).
_CHILD_SQL = {"province": "left(region, 2)", "region": "region", "agency": "agency::text", "service": "service::text"}


def unit_condition(p: Params, source: Source, scope: Scope) -> str | None:
    """The scope's filter on a fact table; None when the source has no figures for such a unit."""
    kind = scope.unit.kind
    if kind == "national":
        return "TRUE"
    if kind == "province":
        return f"region BETWEEN {p(f'{scope.province}00')} AND {p(f'{scope.province}99')}"
    if kind == "service" and not source.service:
        return None
    condition = f"region = {p(scope.region)}"
    if kind == "mpp" and source.mpp:
        condition += f" AND mpp = {p(scope.mpp)}"
    if kind in ("agency", "service"):
        condition += f" AND agency = {p(scope.agency)}"
    if kind == "service":
        condition += f" AND service = {p(scope.service)}"
    return condition


def rows_condition(p: Params, rows: Rows) -> str:
    parts = [f"(grain = 'd' AND day BETWEEN {p(lo)} AND {p(hi)})" for lo, hi in rows.days]
    if rows.months is not None:
        parts.append(f"(grain = 'm' AND day BETWEEN {p(rows.months[0])} AND {p(rows.months[1])})")
    return " OR ".join(parts)


@dataclass(frozen=True)
class Reading:
    """What one report reads: the scope, the rows, how rows fall into periods, the child kind of the breakdown."""

    scope: Scope
    start: dt.date
    end: dt.date
    rows: Rows
    grain: Grain | None  # None: no periods (the ranking)
    child: ChildKind | None

    def select(self, p: Params, source: Source, columns: str) -> str | None:
        """``SELECT b (period), c (child), <columns>`` of the source's rows, or None when it has no such unit."""
        unit = unit_condition(p, source, self.scope)
        if unit is None:
            return None
        bucket = "NULL::date" if self.grain is None else "day"
        if self.grain in ("week", "month"):
            bucket = f"greatest({p(self.start)}::date, date_trunc('{self.grain}', day)::date)"
        child = "NULL::text"
        if self.child is not None and (self.child != "service" or source.service):
            child = _CHILD_SQL[self.child]
        rows = rows_condition(p, self.rows)
        return f"SELECT {bucket} AS b, {child} AS c, {columns} FROM {source.table} WHERE ({rows}) AND {unit}"

    def grouping(self, *extra: str) -> tuple[str, str]:
        """(the ``gb, b`` columns, the grouping sets): per period (unless there are none), in total, per child —
        each also by the ``extra`` columns (a histogram's value)."""
        tail = "".join(f", {e}" for e in extra)
        sets = [f"({', '.join(extra)})", f"(c{tail})"]
        if self.grain is None:
            return "1 AS gb, NULL::date AS b", ", ".join(sets)
        return "GROUPING(b) AS gb, b", ", ".join([f"(b{tail})", *sets])


def _key(row: asyncpg.Record) -> GroupKey | None:
    if row["gb"] == 0:
        return (PERIOD, row["b"])
    if row["gc"] == 0:
        return (CHILD, row["c"]) if row["c"] is not None else None
    return (TOTAL, None)


async def sums(conn: asyncpg.Connection, reading: Reading, source: Source, counts: Iterable[str]) -> Groups:
    """The counts summed per period, in total and per child (absent groups: nothing counted)."""
    p = Params()
    names = tuple(counts)
    inner = reading.select(p, source, ", ".join(names))
    if inner is None:
        return {}
    totals = ", ".join(f"sum({c})::bigint AS {c}" for c in names)
    gb, sets = reading.grouping()
    rows = await conn.fetch(
        f"SELECT {gb}, GROUPING(c) AS gc, c, {totals} FROM ({inner}) r GROUP BY GROUPING SETS ({sets})",
        *p.values,
    )
    return {key: {c: int(r[c] or 0) for c in names} for r in rows if (key := _key(r)) is not None}


async def percentiles(conn: asyncpg.Connection, reading: Reading, source: Source, value: str, prefix: str) -> Groups:
    """``<prefix>Median`` and ``<prefix>P90`` of a histogram per period, in total and per child."""
    p = Params()
    inner = reading.select(p, source, f"{value} AS v, n")
    if inner is None:
        return {}
    gb, sets = reading.grouping("v")
    rows = await conn.fetch(
        f"""WITH h AS (SELECT {gb}, GROUPING(c) AS gc, c, v, sum(n)::bigint AS n
                       FROM ({inner}) r GROUP BY GROUPING SETS ({sets}) HAVING sum(n) > 0),
                 running AS (SELECT gb, gc, b, c, v, sum(n) OVER (PARTITION BY gb, gc, b, c ORDER BY v) AS cum,
                                    sum(n) OVER (PARTITION BY gb, gc, b, c) AS total FROM h)
            SELECT gb, gc, b, c, min(v) FILTER (WHERE 2 * cum >= total) AS median,
                   min(v) FILTER (WHERE 10 * cum >= 9 * total) AS p90
            FROM running GROUP BY gb, gc, b, c""",
        *p.values,
    )
    return {
        key: {f"{prefix}Median": r["median"], f"{prefix}P90": r["p90"]} for r in rows if (key := _key(r)) is not None
    }


# --- from sums to figures ----------------------------------------------------------------------------------------

APPLICATION_COUNTS = ("received", "decided", "decided_in_sla", "completed", "rejected", "withdrawn", "corrections")
QUEUE_COUNTS = ("issued", "served", "no_shows", "counter_served", "estimate_accurate")
COMPLAINT_COUNTS = ("received", "answered", "answered_on_time")


@dataclass
class Gathered:
    """Everything read for one report, per group: the sources' sums, percentiles and the figures from elsewhere."""

    applications: Groups
    decide_days: Groups
    queue: Groups
    waits: Groups
    complaints: Groups
    skm: Groups
    overdue: dict[str, int] | None  # per child code and "" for the whole unit; None: no such figure for the unit
    has_complaints: bool  # the unit has complaint figures (complaints are counted per agency)
    children_have_complaints: bool  # its children have (not a service)


def figures_of(gathered: Gathered, key: GroupKey) -> Figures:
    """The figures of one group from what was read (counts 0 when nothing was counted, shares and percentiles
    null; a source that has no such unit — complaints of a service — null throughout)."""
    a = {**dict.fromkeys(APPLICATION_COUNTS, 0), **gathered.applications.get(key, {})}
    q = {**dict.fromkeys(QUEUE_COUNTS, 0), **gathered.queue.get(key, {})}
    counted = gathered.children_have_complaints if key[0] == CHILD else gathered.has_complaints
    c = {
        **dict.fromkeys(COMPLAINT_COUNTS, 0 if counted else None),
        **(gathered.complaints.get(key, {}) if counted else {}),
    }
    days = gathered.decide_days.get(key, {})
    waits = gathered.waits.get(key, {})
    skm = gathered.skm.get(key, {})
    overdue = None
    if gathered.overdue is not None and key[0] != PERIOD:
        overdue = gathered.overdue.get("" if key[0] == TOTAL else key[1], 0)
    received, counter = a["received"], q["counter_served"]
    found: Figures = {
        "applicationsReceived": received,
        "applicationsCompleted": a["completed"],
        "applicationsRejected": a["rejected"],
        "applicationsWithdrawn": a["withdrawn"],
        "applicationsDecided": a["decided"],
        "decidedWithinSlaShare": share(a["decided_in_sla"], a["decided"]),
        "decideDaysMedian": days.get("decideDaysMedian"),
        "decideDaysP90": days.get("decideDaysP90"),
        "overdueNow": overdue,
        "correctionsRequested": a["corrections"],
        "digitalTakeUp": share(received, (received or 0) + (counter or 0)),
        "ticketsIssued": q["issued"],
        "ticketsServed": q["served"],
        "noShows": q["no_shows"],
        "waitMinutesMedian": waits.get("waitMinutesMedian"),
        "waitMinutesP90": waits.get("waitMinutesP90"),
        "estimateAccuracy": share(q["estimate_accurate"], q["served"]),
        "skmIndex": skm.get("skmIndex"),
        "skmRespondents": skm.get("skmRespondents", 0),
        "complaintsReceived": c["received"],
        "complaintsAnswered": c["answered"],
        "complaintsAnsweredOnTimeShare": share(c["answered_on_time"], c["answered"]),
    }
    return {key: found[key] for key in definitions.BY_KEY}


# --- the report ---------------------------------------------------------------------------------------------------


def by_region(reading: Reading) -> bool:
    """Whether the reading can be answered from the region roll-ups: a nation's or a province's figures, broken
    down (if at all) by province or region."""
    return reading.scope.unit.kind in ("national", "province") and reading.child in (None, "province", "region")


async def gather(conn: asyncpg.Connection, reading: Reading, *, now: dt.datetime) -> Gathered:
    """Read every source for one report (one statement each)."""
    scope = reading.scope
    regional = by_region(reading)
    return Gathered(
        applications=await sums(conn, reading, REGION_APPLICATIONS if regional else APPLICATIONS, APPLICATION_COUNTS),
        decide_days=await percentiles(
            conn, reading, REGION_DECISION_DAYS if regional else DECISION_DAYS, "working_days", "decideDays"
        ),
        queue=await sums(conn, reading, REGION_QUEUE if regional else QUEUE, QUEUE_COUNTS),
        waits=await percentiles(conn, reading, REGION_WAITS if regional else WAITS, "minutes", "waitMinutes"),
        complaints=await sums(conn, reading, REGION_COMPLAINTS if regional else COMPLAINTS, COMPLAINT_COUNTS),
        skm=await (_skm_by_region(conn, reading) if regional else _skm(conn, reading)),
        overdue=await overdue_now(
            conn,
            now=now,
            province=scope.province if scope.unit.kind == "province" else None,
            region=scope.region,
            agency=scope.agency,
            service=scope.service,
            by=reading.child,
        ),
        has_complaints=scope.unit.kind != "service",
        children_have_complaints=reading.child != "service",
    )


async def _skm(conn: asyncpg.Connection, reading: Reading) -> Groups:
    """The SKM index and respondents per period, in total and per child, from feedback's running sums."""
    scope = reading.scope
    found = await skm_groups(
        conn,
        start=reading.start,
        end=reading.end,
        province=scope.province if scope.unit.kind == "province" else None,
        region=scope.region,
        agency=scope.agency,
        service=scope.service,
        period=reading.grain,
        by=reading.child,
    )
    groups: Groups = {}
    for group in found:
        key: GroupKey = (PERIOD, group.period) if group.period else (CHILD, group.unit) if group.unit else (TOTAL, None)
        groups[key] = {"skmIndex": group.ikm, "skmRespondents": group.respondents}  # type: ignore[dict-item]
    return groups


async def _skm_by_region(conn: asyncpg.Connection, reading: Reading) -> Groups:
    """The SKM index and respondents per period, in total and per child, for a nation's or a province's reading:
    the final days from the region roll-up, the later ones from feedback's running sums (one statement)."""
    through = await skm_rollup.rolled_through(conn)
    p = Params()
    parts = []
    if through is not None and reading.start <= through:
        rolled = replace(reading, rows=rows_for(reading.start, min(reading.end, through), reading.grain or "month"))
        parts.append(rolled.select(p, REGION_SKM, ", ".join(skm_rollup.COUNTS)))
    if through is None or through < reading.end:
        first = reading.start if through is None else max(reading.start, through + dt.timedelta(days=1))
        recent = replace(reading, rows=Rows(months=None, days=((first, reading.end),)))
        parts.append(recent.select(p, SKM_DAILY, ", ".join(skm_rollup.COUNTS)))
    gb, sets = reading.grouping()
    totals = ", ".join(f"sum({c})::bigint AS {c}" for c in skm_rollup.COUNTS)
    rows = await conn.fetch(
        f"SELECT {gb}, GROUPING(c) AS gc, c, {totals} FROM ({' UNION ALL '.join(filter(None, parts))}) r "
        f"GROUP BY GROUPING SETS ({sets})",
        *p.values,
    )
    groups: Groups = {}
    for r in rows:
        key = _key(r)
        respondents = int(r["respondents"] or 0)
        if key is None or not respondents:
            continue
        computed = skm_index(respondents, {e: int(r[f"sum_{e}"] or 0) for e in SKM_ELEMENTS})
        score = float(computed.score) if computed.score is not None else None
        groups[key] = {"skmIndex": score, "skmRespondents": respondents}  # type: ignore[dict-item]
    return groups


async def as_of(conn: asyncpg.Connection) -> dt.datetime | None:
    """When the read model last caught up with every source (the oldest of the consumer's cursors)."""
    moved: dt.datetime | None = await conn.fetchval("SELECT min(moved_at) FROM stats_cursor")
    return moved


def unit_ref(unit: Unit) -> UnitRef:
    return UnitRef(kind=unit.kind, code=unit.code, name=unit.name)


async def figures(
    conn: asyncpg.Connection,
    *,
    scope: Scope,
    start: dt.date,
    end: dt.date,
    grain: Grain,
    language: Lang,
    now: dt.datetime | None = None,
) -> FigureReport:
    """The figures of ``scope`` (a resolved unit: ``scopes.find`` or ``scopes.resolve``) from ``start`` to ``end``
    (the unit's local dates, inclusive; at most MAX_DAYS days) per ``grain`` period, in total and per child unit,
    with names in ``language``. ``now`` (default: the present) is the moment ``overdueNow`` counts at.

    About one statement per source (applications, decision days, queue, waits, complaints, SKM, overdue) and one for
    the breakdown's names, whatever the range and grain.
    """
    check_period(start, end)
    moment = now or dt.datetime.now(dt.UTC)
    reading = Reading(
        scope=scope, start=start, end=end, rows=rows_for(start, end, grain), grain=grain, child=scope.child_kind
    )
    gathered = await gather(conn, reading, now=moment)
    units = await children(conn, scope, lang=language)
    return FigureReport(
        scope=unit_ref(scope.unit),
        start=start,
        end=end,
        grain=grain,
        as_of=await as_of(conn),
        periods=[
            PeriodFigures(start=lo, end=hi, figures=figures_of(gathered, (PERIOD, lo)))
            for lo, hi in periods(start, end, grain)
        ],
        total=figures_of(gathered, (TOTAL, None)),
        breakdown=[UnitFigures(unit=unit_ref(u), figures=figures_of(gathered, (CHILD, u.code))) for u in units],
    )
