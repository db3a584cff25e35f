"""Open applications past their due date now, for the dashboards (api/stats/figures.py: the figure ``overdueNow``).

The same rule as the supervisor's workload (``queries.WORKLOAD``): an open application whose due date is before the
region's today, except one waiting for the citizen's correction (its clock is paused). Counted live from the
applications themselves (the open ones, through the inbox's partial index), not from the read model: "overdue" is
a fact of the present moment, which no event marks.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

import asyncpg

from api.applications.statuses import NEEDS_CORRECTION, OPEN
from api.catalogue.timezones import local_today

By = Literal["province", "region", "agency", "service"]
_BY_SQL: dict[str, str] = {
    "province": "left(a.region, 2)",
    "region": "a.region",
    "agency": "a.agency::text",
    "service": "a.service::text",
}
# Every BPS province code: a national count compares each application with its own province's today.
_PROVINCES = tuple(f"{n:02d}" for n in range(11, 100))
# Spelt as constants in the statement, so that the planner can use the inbox's partial index (open statuses).
_COUNTING = ", ".join(f"'{s}'" for s in OPEN if s != NEEDS_CORRECTION)


async def overdue_now(
    conn: asyncpg.Connection,
    *,
    now: dt.datetime,
    province: str | None = None,
    region: str | None = None,
    agency: uuid.UUID | None = None,
    service: uuid.UUID | None = None,
    by: By | None = None,
) -> dict[str, int]:
    """How many applications of the unit (the filters given; none: the nation) are overdue at ``now``: ``""`` →
    the unit's count, and per child unit ``by`` (a province or region code, an agency or service id as text) the
    children that have any."""
    args: list[Any] = [list(_PROVINCES), [local_today(p, now) for p in _PROVINCES]]
    where = ""
    if province is not None:
        args += [f"{province}00", f"{province}99"]
        where += " AND a.region BETWEEN $3 AND $4"
    for column, value in (("region", region), ("agency", agency), ("service", service)):
        if value is not None:
            args.append(value)
            where += f" AND a.{column} = ${len(args)}"
    child = _BY_SQL[by] if by is not None else "NULL::text"
    rows = await conn.fetch(
        f"""SELECT GROUPING(c) AS gc, c, count(*)::bigint AS n
            FROM (SELECT {child} AS c FROM applications_application a
                  JOIN unnest($1::text[], $2::date[]) AS t(province, today) ON t.province = left(a.region, 2)
                  WHERE a.status IN ({_COUNTING}) AND a.due_date < t.today{where}) r
            GROUP BY GROUPING SETS ((), (c))""",
        *args,
    )
    counts = {"": 0}
    for r in rows:
        if r["gc"] == 1:
            counts[""] = int(r["n"])
        elif r["c"] is not None and by is not None:
            counts[r["c"]] = int(r["n"])
    return counts
