"""Sums of the fact tables grouped by any of month, region, agency and service, with exact percentiles: what the open
data release, the public MPP page and the compliance evidence pack are made of.

One statement per source and a chosen grouping (not a call per unit): the daily release covers every region, agency
and service and month at once (issue 18's benchmark: all regions in under a minute). Percentiles are
``percentile_disc`` over the histogram rows — the smallest value whose cumulative share reaches p — compared in
integers (2·cum ≥ total, 10·cum ≥ 9·total), so no float can move a median across a boundary.

Cross-domain reads (docs/ARCHITECTURE.md, deliberate exceptions): ``units`` reads ``catalogue_region``,
``_agency``, ``_mpp``, ``_service`` and ``_service_version`` to name every unit of a release in one statement per
kind, and the published date of the standard in force (the catalogue has no bulk reader for them).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import asyncpg

Key = Literal["month", "region", "agency", "service"]
Row = dict[str, int | None]
Grouped = dict[tuple[Any, ...], Row]

# How each grouping key is read from a fact table (a month row's day is already the first of its month).
_KEY_SQL: dict[str, str] = {
    "month": "date_trunc('month', day)::date",
    "region": "region",
    "agency": "agency",
    "service": "service",
}
APPLICATION_COUNTS = ("received", "decided", "decided_in_sla", "completed", "rejected", "withdrawn", "corrections")
QUEUE_COUNTS = ("issued", "served", "no_shows", "counter_served", "estimate_accurate", "walk_ins")
COMPLAINT_COUNTS = ("received", "answered", "answered_on_time")


@dataclass(frozen=True)
class Slice:
    """Which fact rows: day rows ('d') or month rows ('m') from ``start`` to ``end`` (local dates, inclusive), of
    one region, agency or service when named."""

    grain: Literal["d", "m"]
    start: dt.date
    end: dt.date
    region: str | None = None
    agency: uuid.UUID | None = None
    service: uuid.UUID | None = None

    def where(self, *, with_service: bool = True) -> tuple[str, list[Any]]:
        """The condition and its parameters ($1…), spelt for the filters at hand (the planner sees each one)."""
        args: list[Any] = [self.grain, self.start, self.end]
        parts = ["grain = $1", "day BETWEEN $2 AND $3"]
        for column, value in (("region", self.region), ("agency", self.agency)):
            if value is not None:
                args.append(value)
                parts.append(f"{column} = ${len(args)}")
        if with_service and self.service is not None:
            args.append(self.service)
            parts.append(f"service = ${len(args)}")
        return " AND ".join(parts), args


def _keys(keys: Sequence[Key]) -> tuple[str, str]:
    """(``expr AS k0, …``, ``k0, …``) for the grouping keys."""
    if not keys:
        raise ValueError("group by at least one key")
    return ", ".join(f"{_KEY_SQL[k]} AS k{i}" for i, k in enumerate(keys)), ", ".join(f"k{i}" for i in range(len(keys)))


async def _sums(
    conn: asyncpg.Connection, table: str, counts: Sequence[str], keys: Sequence[Key], where: tuple[str, list[Any]]
) -> Grouped:
    selected, names = _keys(keys)
    sums = ", ".join(f"sum({c})::bigint AS {c}" for c in counts)
    rows = await conn.fetch(
        f"SELECT {selected}, {sums} FROM {table} WHERE {where[0]} GROUP BY {names}",  # noqa: S608 (constant parts)
        *where[1],
    )
    return {tuple(r[f"k{i}"] for i in range(len(keys))): {c: int(r[c]) for c in counts} for r in rows}


async def _percentiles(
    conn: asyncpg.Connection, table: str, value: str, keys: Sequence[Key], where: tuple[str, list[Any]], prefix: str
) -> Grouped:
    """``{prefix}_median``, ``{prefix}_p90`` and ``{prefix}_n`` (the histogram's population) per group."""
    selected, names = _keys(keys)
    rows = await conn.fetch(
        f"""WITH h AS (SELECT {selected}, {value} AS v, sum(n)::bigint AS n FROM {table}
                       WHERE {where[0]} GROUP BY {names}, {value}),
                 c AS (SELECT {names}, v, sum(n) OVER (PARTITION BY {names} ORDER BY v) AS cum,
                              sum(n) OVER (PARTITION BY {names}) AS total FROM h)
            SELECT {names}, min(v) FILTER (WHERE 2 * cum >= total) AS median,
                   min(v) FILTER (WHERE 10 * cum >= 9 * total) AS p90, max(total)::bigint AS total
            FROM c GROUP BY {names}""",  # noqa: S608 (constant parts)
        *where[1],
    )
    return {
        tuple(r[f"k{i}"] for i in range(len(keys))): {
            f"{prefix}_median": r["median"],
            f"{prefix}_p90": r["p90"],
            f"{prefix}_n": int(r["total"]),
        }
        for r in rows
    }


def _merge(counts: Grouped, extra: Grouped, empty: Row) -> Grouped:
    for key, values in extra.items():
        counts.setdefault(key, {}).update(values)
    for values in counts.values():
        for name, default in empty.items():
            values.setdefault(name, default)
    return counts


async def applications(conn: asyncpg.Connection, where: Slice, keys: Sequence[Key]) -> Grouped:
    """Application counts and working days to decide (median, p90) per group."""
    condition = where.where()
    counts = await _sums(conn, "stats_application_fact", APPLICATION_COUNTS, keys, condition)
    days = await _percentiles(conn, "stats_decision_days", "working_days", keys, condition, "decide_days")
    empty: Row = {**dict.fromkeys(APPLICATION_COUNTS, 0), "decide_days_median": None, "decide_days_p90": None}
    return _merge(counts, days, {**empty, "decide_days_n": 0})


async def queue(conn: asyncpg.Connection, where: Slice, keys: Sequence[Key]) -> Grouped:
    """Queue counts and waiting minutes (median, p90) per group (the service is None for tickets without one)."""
    condition = where.where()
    counts = await _sums(conn, "stats_queue_fact", QUEUE_COUNTS, keys, condition)
    waits = await _percentiles(conn, "stats_wait_minutes", "minutes", keys, condition, "wait_minutes")
    empty: Row = {**dict.fromkeys(QUEUE_COUNTS, 0), "wait_minutes_median": None, "wait_minutes_p90": None}
    return _merge(counts, waits, {**empty, "wait_minutes_n": 0})


async def complaints(conn: asyncpg.Connection, where: Slice, keys: Sequence[Key]) -> Grouped:
    """Complaints received, answered and answered on time per group (complaints are counted per agency)."""
    if "service" in keys:
        raise ValueError("complaint figures have no service")
    return await _sums(conn, "stats_complaint_fact", COMPLAINT_COUNTS, keys, where.where(with_service=False))


def share(part: int | None, whole: int | None) -> float | None:
    """part / whole, or None when there is no whole (a share of nobody is not 0)."""
    if part is None or not whole:
        return None
    return part / whole


# --- the units' names --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Agency:
    id: uuid.UUID
    code: str
    name_id: str
    name_en: str
    region: str


@dataclass(frozen=True)
class Service:
    id: uuid.UUID
    code: str
    name_id: str
    name_en: str
    agency: uuid.UUID
    region: str
    sla_days: int
    fee: int
    version: int
    published_at: dt.datetime | None
    active: bool


@dataclass(frozen=True)
class Units:
    """Names of the regions (code → (name, province code, province name)), agencies and services of a release."""

    regions: dict[str, tuple[str, str, str]]
    agencies: dict[uuid.UUID, Agency]
    services: dict[uuid.UUID, Service]


_SERVICES = """
    SELECT s.id, s.code, s.name_id, s.name_en, s.agency, s.region, s.sla_days, s.fee, s.version,
           s.retired_at IS NULL AND NOT s.hidden AS active, v.published_at
    FROM catalogue_service s
    LEFT JOIN catalogue_service_version v ON v.code = s.code AND v.version = s.version
     AND v.region IS NOT DISTINCT FROM (CASE WHEN s.national THEN NULL ELSE s.region END)
    WHERE $1::text IS NULL OR s.region = $1"""


async def units(conn: asyncpg.Connection, *, region: str | None = None) -> Units:
    """Every region, agency and service (of one region when named), with the standard in force of each service."""
    regions = await conn.fetch(
        "SELECT code, name, province_code, province_name FROM catalogue_region WHERE $1::text IS NULL OR code = $1",
        region,
    )
    agencies = await conn.fetch(
        "SELECT id, code, name_id, name_en, region FROM catalogue_agency WHERE $1::text IS NULL OR region = $1", region
    )
    services = await conn.fetch(_SERVICES, region)
    return Units(
        regions={r["code"]: (r["name"], r["province_code"], r["province_name"]) for r in regions},
        agencies={r["id"]: Agency(**dict(r)) for r in agencies},
        services={r["id"]: Service(**dict(r)) for r in services},
    )


@dataclass(frozen=True)
class Mpp:
    id: uuid.UUID
    name: str
    region: str
    region_name: str


async def mpp(conn: asyncpg.Connection, mpp_id: uuid.UUID) -> Mpp | None:
    """An MPP building and its region (one building per region: its figures are its region's)."""
    row = await conn.fetchrow(
        """SELECT m.id, m.name, m.region, r.name AS region_name
           FROM catalogue_mpp m JOIN catalogue_region r ON r.code = m.region WHERE m.id = $1""",
        mpp_id,
    )
    return Mpp(**dict(row)) if row else None
