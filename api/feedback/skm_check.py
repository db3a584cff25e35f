"""The SKM running sums checked against the record (``mpp stats verify``): ``feedback_skm_daily`` is kept in the
transactions that make an invitation or record an answer, so per unit and day its transactions must equal the
invitations made and its respondents and element sums the answers stored. Read here, by the domain that owns all
three tables; the figures (api/stats) only call it."""

# ruff: noqa: S608  (statements of ours, built from the constant element names)
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import asyncpg

from api.feedback.skm import ELEMENTS

COLUMNS: tuple[str, ...] = ("transactions", "respondents", *(f"sum_{e}" for e in ELEMENTS))

_CHECK = f"""
WITH kept AS (
    SELECT region, agency, service, day, sum(transactions)::bigint AS transactions,
           sum(respondents)::bigint AS respondents, {", ".join(f"sum(sum_{e})::bigint AS sum_{e}" for e in ELEMENTS)}
    FROM feedback_skm_daily WHERE day BETWEEN $1 AND $2 GROUP BY 1, 2, 3, 4),
invited AS (
    SELECT region, agency, service, day, count(*)::bigint AS transactions
    FROM feedback_invitation WHERE day BETWEEN $1 AND $2 GROUP BY 1, 2, 3, 4),
answered AS (
    SELECT region, agency, service, day, count(*)::bigint AS respondents,
           {", ".join(f"sum({e})::bigint AS sum_{e}" for e in ELEMENTS)}
    FROM feedback_survey WHERE day BETWEEN $1 AND $2 GROUP BY 1, 2, 3, 4),
recomputed AS (
    SELECT coalesce(i.region, a.region) AS region, coalesce(i.agency, a.agency) AS agency,
           coalesce(i.service, a.service) AS service, coalesce(i.day, a.day) AS day,
           coalesce(i.transactions, 0) AS transactions, coalesce(a.respondents, 0) AS respondents,
           {", ".join(f"coalesce(a.sum_{e}, 0) AS sum_{e}" for e in ELEMENTS)}
    FROM invited i FULL JOIN answered a
      ON (i.region, i.agency, i.day) = (a.region, a.agency, a.day) AND i.service IS NOT DISTINCT FROM a.service)
SELECT coalesce(k.region, r.region) AS region, coalesce(k.agency, r.agency) AS agency,
       coalesce(k.service, r.service) AS service, coalesce(k.day, r.day) AS day,
       {", ".join(f"coalesce(k.{c}, 0) AS kept_{c}, coalesce(r.{c}, 0) AS re_{c}" for c in COLUMNS)}
FROM kept k FULL JOIN recomputed r
  ON (k.region, k.agency, k.day) = (r.region, r.agency, r.day) AND k.service IS NOT DISTINCT FROM r.service
WHERE {" OR ".join(f"coalesce(k.{c}, 0) <> coalesce(r.{c}, 0)" for c in COLUMNS)}
ORDER BY 4, 1, 2
"""


@dataclass(frozen=True)
class SkmDifference:
    """One running sum that disagrees with the record: the unit (service None: tickets without one), the local day,
    the column, what is kept and what the invitations and answers add up to."""

    region: str
    agency: uuid.UUID
    service: uuid.UUID | None
    day: dt.date
    column: str
    kept: int
    recomputed: int


async def skm_differences(conn: asyncpg.Connection, *, start: dt.date, end: dt.date) -> list[SkmDifference]:
    """Every running sum of the local days ``start``..``end`` that differs from the invitations and answers."""
    rows = await conn.fetch(_CHECK, start, end)
    return [
        SkmDifference(r["region"], r["agency"], r["service"], r["day"], c, r[f"kept_{c}"], r[f"re_{c}"])
        for r in rows
        for c in COLUMNS
        if r[f"kept_{c}"] != r[f"re_{c}"]
    ]
