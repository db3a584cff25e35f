"""What the figures (api/stats) read of feedback in bulk: SKM running sums per month and unit, and complaints'
turnaround per deadline tier. Read here, in the domain that owns the rows, so that stats never copies them."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import asyncpg

from api.feedback.skm import ELEMENTS

_ELEMENT_SUMS = ", ".join(f"sum(sum_{e})::bigint AS {e}" for e in ELEMENTS)


async def skm_monthly_sums(
    conn: asyncpg.Connection,
    *,
    start: dt.date,
    end: dt.date,
    region: str | None = None,
    agencies: list[uuid.UUID] | None = None,
) -> list[asyncpg.Record]:
    """The running sums (transactions, respondents, each element's sum) per month, region, agency and service
    (None: tickets without one) over ``start``..``end`` (local days), of one region or some agencies when named.
    Sums add up across days and shards, so any coarser unit's index is computed from these (``skm.index``)."""
    rows: list[asyncpg.Record] = await conn.fetch(
        f"""SELECT date_trunc('month', day)::date AS month, region, agency, service,
                   sum(transactions)::bigint AS transactions, sum(respondents)::bigint AS respondents, {_ELEMENT_SUMS}
            FROM feedback_skm_daily
            WHERE day BETWEEN $1 AND $2 AND ($3::text IS NULL OR region = $3)
              AND ($4::uuid[] IS NULL OR agency = ANY($4::uuid[]))
            GROUP BY 1, 2, 3, 4""",  # noqa: S608 (constant parts)
        start,
        end,
        region,
        agencies,
    )
    return rows


@dataclass(frozen=True)
class Tier:
    """Complaints of one category (its response deadline in working days) filed in a period."""

    category: str
    name_id: str
    name_en: str
    response_days: int
    received: int
    answered: int
    answered_on_time: int


# Filed in the period (the local day of filing), answered = a first answer exists; on time = that answer's local day
# is on or before the due date in force when it was given (a later move of the due date records the one it replaced
# in its event's detail, api/feedback/complaints.py change_status).
_TIERS = """
    WITH filed AS (
        SELECT c.id, c.category, c.due_date, c.region FROM feedback_complaint c
        WHERE c.agency = ANY($1::uuid[]) AND (c.created_at AT TIME ZONE $4)::date BETWEEN $2 AND $3),
    first_answer AS (
        SELECT f.id, f.category, f.due_date, a.at,
               (SELECT (m.detail->>'previousDueDate')::date FROM feedback_complaint_event m
                WHERE m.complaint = f.id AND m.at > a.at AND m.detail ? 'previousDueDate'
                ORDER BY m.at, m.id LIMIT 1) AS due_then
        FROM filed f
        LEFT JOIN LATERAL (SELECT e.at FROM feedback_complaint_event e
                           WHERE e.complaint = f.id AND e.action = 'answered' ORDER BY e.at, e.id LIMIT 1) a ON true)
    SELECT k.code AS category, k.name_id, k.name_en, k.response_days,
           count(f.id)::int AS received, count(f.at)::int AS answered,
           count(f.at) FILTER (WHERE (f.at AT TIME ZONE $4)::date <= coalesce(f.due_then, f.due_date))::int
               AS answered_on_time
    FROM feedback_complaint_category k LEFT JOIN first_answer f ON f.category = k.code
    GROUP BY k.code, k.name_id, k.name_en, k.response_days, k.position
    ORDER BY k.response_days, k.position"""


async def complaint_tiers(
    conn: asyncpg.Connection, *, agencies: list[uuid.UUID], start: dt.date, end: dt.date, zone: str
) -> list[Tier]:
    """Per complaint category (every one, in order of its deadline): complaints about ``agencies`` filed from
    ``start`` to ``end`` (local days in ``zone``), how many were answered, and how many by their due date."""
    rows = await conn.fetch(_TIERS, agencies, start, end, zone)
    return [Tier(**dict(r)) for r in rows]
