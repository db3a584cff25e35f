"""The region roll-ups that a nation's and a province's readings read: the same figures as from every unit's rows.

The SKM roll-up is exercised inside a transaction that is rolled back: rolling up with a day in the future marks
days final that later tests still answer surveys for.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg
import httpx
import pytest
from litestar import Litestar

from api.feedback.skm import ELEMENTS
from api.stats import figures, skm_rollup
from api.stats.figures import Reading, rows_for
from api.stats.scopes import Scope, Unit
from tests.support.factories import create_application, create_citizen
from tests.support.stats import caught_up

pytestmark = pytest.mark.asyncio(loop_scope="session")

NATION = Scope(unit=Unit(kind="national", code="", name="Nasional"))


def _reading(start: dt.date, end: dt.date, grain: Any, child: Any) -> Reading:
    return Reading(scope=NATION, start=start, end=end, rows=rows_for(start, end, grain or "month"), grain=grain,
                   child=child)  # fmt: skip


async def _two_regions(db: asyncpg.Connection) -> list[asyncpg.Record]:
    return list(
        await db.fetch(
            """SELECT DISTINCT ON (a.region) a.region, a.id AS agency, s.id AS service
               FROM catalogue_agency a JOIN catalogue_service s ON s.agency = a.id
               ORDER BY a.region, a.id, s.id LIMIT 2"""
        )
    )


async def _sums(db: asyncpg.Connection, unit: asyncpg.Record, day: dt.date, shard: int, score: int) -> None:
    columns = ", ".join(f"sum_{e}" for e in ELEMENTS)
    await db.execute(
        f"""INSERT INTO feedback_skm_daily (region, agency, service, day, shard, transactions, respondents, {columns})
            VALUES ($1, $2, $3, $4, $5, 3, 2, {", ".join(["$6"] * len(ELEMENTS))})""",
        unit["region"],
        unit["agency"],
        unit["service"],
        day,
        shard,
        2 * score,
    )


async def test_the_skm_of_the_regions_reads_the_same_from_the_roll_up(app: Litestar, db: asyncpg.Connection) -> None:
    units = await _two_regions(db)
    transaction = db.transaction()
    await transaction.start()
    try:
        # As on a database whose sums were never rolled up (this one's first catch-up found none final).
        await db.execute("UPDATE stats_skm_rollup SET through = NULL")
        await db.execute("DELETE FROM stats_region_skm")
        # Sums in March and April 2025 (final long ago), and one day this month (not final): across a month's end.
        for day, shard, score, unit in (
            (dt.date(2025, 3, 10), 0, 4, units[0]),
            (dt.date(2025, 3, 31), 1, 3, units[0]),
            (dt.date(2025, 3, 31), 2, 2, units[1]),
            (dt.date(2025, 4, 2), 3, 1, units[1]),
        ):
            await _sums(db, unit, day, shard, score)
        today = dt.datetime.now(dt.UTC).date()
        await _sums(db, units[0], today, 4, 4)
        readings = [
            _reading(dt.date(2025, 3, 1), dt.date(2025, 4, 30), "month", "region"),  # whole months
            _reading(dt.date(2025, 3, 15), dt.date(2026, 3, 14), None, "region"),  # the ranking's partial months
            _reading(dt.date(2025, 3, 30), dt.date(2025, 4, 5), "day", "province"),
            _reading(today - dt.timedelta(days=60), today, "week", "region"),  # final days and recent ones
        ]
        # Groups without respondents read as none (figures_of), and the running sums' reading may leave them in.
        before = [{k: v for k, v in (await figures._skm(db, r)).items() if v["skmRespondents"]} for r in readings]
        assert await skm_rollup.roll(db, today=today) > 0
        through = await skm_rollup.rolled_through(db)
        assert through == today - dt.timedelta(days=skm_rollup.FINAL_AFTER_DAYS)
        march = await db.fetchrow(
            """SELECT respondents, sum_time FROM stats_region_skm
               WHERE grain = 'm' AND day = '2025-03-01' AND region = $1""",
            units[0]["region"],
        )
        assert (march["respondents"], march["sum_time"]) == (4, 2 * 4 + 2 * 3)
        for reading, expected in zip(readings, before, strict=True):
            assert figures.by_region(reading)
            assert await figures._skm_by_region(db, reading) == expected, reading
        assert await skm_rollup.roll(db, today=today) == 0  # nothing more is final
    finally:
        await transaction.rollback()


async def test_the_nations_figures_by_region_equal_those_summed_from_every_unit(
    app: Litestar, client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    await create_application(client, await create_citizen(client))
    await caught_up(db)
    today = dt.datetime.now(dt.UTC).date()
    reading = _reading(today - dt.timedelta(days=40), today + dt.timedelta(days=1), "week", "region")
    assert figures.by_region(reading)
    for regional, unitwise, counts in (
        (figures.REGION_APPLICATIONS, figures.APPLICATIONS, figures.APPLICATION_COUNTS),
        (figures.REGION_QUEUE, figures.QUEUE, figures.QUEUE_COUNTS),
        (figures.REGION_COMPLAINTS, figures.COMPLAINTS, figures.COMPLAINT_COUNTS),
    ):
        found = await figures.sums(db, reading, regional, counts)
        assert found == await figures.sums(db, reading, unitwise, counts)
        # Not vacuous: the application above is in it (queue and complaints may have nothing in this database yet).
        assert regional is not figures.REGION_APPLICATIONS or any(any(group.values()) for group in found.values())
    for regional, unitwise, value, prefix in (
        (figures.REGION_DECISION_DAYS, figures.DECISION_DAYS, "working_days", "decideDays"),
        (figures.REGION_WAITS, figures.WAITS, "minutes", "waitMinutes"),
    ):
        assert await figures.percentiles(db, reading, regional, value, prefix) == await figures.percentiles(
            db, reading, unitwise, value, prefix
        )
