"""The SKM running sums rolled up per region, for the days no answer can change any more.

Feedback keeps its running sums per service, day and shard (``feedback_skm_daily``), updated in the transaction of
each invitation and answer; a national year of them is millions of rows. An invitation is made for the day of the
transaction and answered within ``OPEN_DAYS``, so a day older than that (and two more, for the zones and the edge
of the day) is final: its sums never change again. ``roll`` adds the final days, a month of days at a time, to
``stats_region_skm`` (a row per region and day, and per region and month once the month's last day is final) and
moves ``stats_skm_rollup.through``; the readers (``figures``) take the days up to ``through`` from here and the
later ones from the running sums. ``verify`` compares the two.

Called with the consumer (``consumer.catch_up``), by any number of processes: one at a time by advisory lock.
"""

# ruff: noqa: S608  (statements built from the constant element names; every value is a parameter)
from __future__ import annotations

import datetime as dt

import asyncpg

from api.feedback.skm import ELEMENTS
from api.feedback.surveys import OPEN_DAYS
from api.stats.definitions import SKM_ROLLUP_LOCK

FINAL_AFTER_DAYS = OPEN_DAYS + 2
# Days rolled up per transaction: a first roll-up over years of sums is many short transactions.
STEP_DAYS = 31
COUNTS = ("respondents", *(f"sum_{e}" for e in ELEMENTS))
_SUMS = ", ".join(f"sum({c})" for c in COUNTS)
_DAYS = f"""
INSERT INTO stats_region_skm (grain, day, region, {", ".join(COUNTS)})
SELECT 'd', day, region, {_SUMS} FROM feedback_skm_daily WHERE day > $1 AND day <= $2 GROUP BY day, region
"""
# The months whose last day became final in this step, from the day rows just written and those before.
_MONTHS = f"""
INSERT INTO stats_region_skm (grain, day, region, {", ".join(COUNTS)})
SELECT 'm', date_trunc('month', day)::date, region, {_SUMS} FROM stats_region_skm
WHERE grain = 'd' AND day >= date_trunc('month', $1::date + 1)::date AND day < date_trunc('month', $2::date + 1)::date
GROUP BY 1, 2, 3
"""


def final_through(today: dt.date) -> dt.date:
    """The last day whose SKM sums are final on ``today`` (UTC)."""
    return today - dt.timedelta(days=FINAL_AFTER_DAYS)


async def roll(conn: asyncpg.Connection, *, today: dt.date | None = None) -> int:
    """Roll up every final day not yet rolled up, a month of days per transaction; the days rolled up (0 when
    another process is doing it)."""
    final = final_through(today or dt.datetime.now(dt.UTC).date())
    total = 0
    while True:
        async with conn.transaction():
            if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", SKM_ROLLUP_LOCK):
                return total
            stored: dt.date | None = await conn.fetchval("SELECT through FROM stats_skm_rollup FOR UPDATE")
            through = stored
            if through is None:  # never rolled up: from the first day there are sums for
                first = await conn.fetchval("SELECT min(day) FROM feedback_skm_daily")
                through = (first or final + dt.timedelta(days=1)) - dt.timedelta(days=1)
                through = min(through, final)
            upto = min(final, through + dt.timedelta(days=STEP_DAYS))
            if upto <= through:
                if stored is None:
                    await conn.execute("UPDATE stats_skm_rollup SET through = $1, moved_at = now()", through)
                return total
            await conn.execute(_DAYS, through, upto)
            await conn.execute(_MONTHS, through, upto)
            await conn.execute("UPDATE stats_skm_rollup SET through = $1, moved_at = now()", upto)
            total += (upto - through).days


async def rolled_through(conn: asyncpg.Connection) -> dt.date | None:
    """The last day in the roll-up (None: none yet)."""
    through: dt.date | None = await conn.fetchval("SELECT through FROM stats_skm_rollup")
    return through
