"""The SKM index of a unit per period, in total and per child unit, for the dashboards (api/stats/figures.py).

One statement over the running sums (``feedback_skm_daily``), grouped by ``GROUPING SETS ((period), (), (child))``:
the sums add up across days, shards and units, so every group's index is computed from its sums with the same exact
arithmetic as the public index (``skm.index``). Stats reads it here and never copies it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any, Literal

import asyncpg

from api.feedback.skm import ELEMENTS, index

Period = Literal["day", "week", "month"]
By = Literal["province", "region", "agency", "service"]
_BY_SQL: dict[str, str] = {
    "province": "left(region, 2)",
    "region": "region",
    "agency": "agency::text",
    "service": "service::text",
}
_SUMS = ", ".join(f"sum(sum_{e})::bigint AS {e}" for e in ELEMENTS)


@dataclass(frozen=True)
class SkmGroup:
    """One group's respondents and published index (None without respondents). ``period`` (its first day, clipped
    to the start) for a period's group, ``unit`` (a province or region code, an agency or service id as text) for a
    child's; both None for the whole unit."""

    period: dt.date | None
    unit: str | None
    respondents: int
    ikm: float | None


def _unit_condition(
    args: list[Any], *, province: str | None, region: str | None, agency: uuid.UUID | None, service: uuid.UUID | None
) -> str:
    parts = []
    if province is not None:
        args += [f"{province}00", f"{province}99"]
        parts.append(f"region BETWEEN ${len(args) - 1} AND ${len(args)}")
    for column, value in (("region", region), ("agency", agency), ("service", service)):
        if value is not None:
            args.append(value)
            parts.append(f"{column} = ${len(args)}")
    return "".join(f" AND {p}" for p in parts)


async def skm_groups(
    conn: asyncpg.Connection,
    *,
    start: dt.date,
    end: dt.date,
    province: str | None = None,
    region: str | None = None,
    agency: uuid.UUID | None = None,
    service: uuid.UUID | None = None,
    period: Period | None = None,
    by: By | None = None,
) -> list[SkmGroup]:
    """Respondents and index of the unit (a province, region, agency or service: the filters given; none: the
    nation) over ``start``..``end`` (local days), per ``period`` (day, ISO week or month, clipped to ``start``), in
    total, and per child unit ``by``. Groups without respondents may be left out."""
    args: list[Any] = [start, end]
    where = _unit_condition(args, province=province, region=region, agency=agency, service=service)
    bucket = "NULL::date"
    if period == "day":
        bucket = "day"
    elif period is not None:
        bucket = f"greatest($1::date, date_trunc('{period}', day)::date)"
    child = _BY_SQL[by] if by is not None else "NULL::text"
    rows = await conn.fetch(
        f"""SELECT GROUPING(b) AS gb, GROUPING(c) AS gc, b, c, sum(respondents)::bigint AS respondents, {_SUMS}
            FROM (SELECT {bucket} AS b, {child} AS c, respondents, {", ".join(f"sum_{e}" for e in ELEMENTS)}
                  FROM feedback_skm_daily WHERE day BETWEEN $1 AND $2{where}) r
            GROUP BY GROUPING SETS ((b), (), (c))""",  # noqa: S608 (constant parts; values are parameters)
        *args,
    )
    found = []
    for r in rows:
        by_period, by_child = r["gb"] == 0, r["gc"] == 0
        if (by_period and period is None) or (by_child and by is None) or (by_child and r["c"] is None):
            continue
        respondents = int(r["respondents"] or 0)
        computed = index(respondents, {e: int(r[e] or 0) for e in ELEMENTS})
        found.append(
            SkmGroup(
                period=r["b"] if by_period else None,
                unit=r["c"] if by_child else None,
                respondents=respondents,
                ikm=float(computed.score) if computed.score is not None else None,
            )
        )
    return found
