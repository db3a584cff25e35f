"""The figures' consumer: each event counted exactly once — by racing consumers, and when its transaction commits
after a later one was counted — in day and month rows that agree, on the region's local day and working days."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from typing import Any

import asyncpg
import httpx
import pytest
from litestar import Litestar

from api.catalogue.timezones import local_today
from api.stats import sources
from api.stats.consumer import catch_up, step
from api.stats.verify import verify
from tests.support.applications import kk_service
from tests.support.factories import create_application, create_citizen
from tests.support.stats import caught_up

# Only the database tests run on the session loop (the pure ones below are plain functions).
ON_SESSION_LOOP = pytest.mark.asyncio(loop_scope="session")


async def _received(db: asyncpg.Connection, service: uuid.UUID, day: dt.date) -> tuple[int, int]:
    row = await db.fetchrow(
        """SELECT coalesce(sum(received) FILTER (WHERE grain = 'd' AND day = $2), 0) AS d,
                  coalesce(sum(received) FILTER (WHERE grain = 'm' AND day = date_trunc('month', $2::date)), 0) AS m
           FROM stats_application_fact WHERE service = $1""",
        service,
        day,
    )
    return row["d"], row["m"]


@ON_SESSION_LOOP
async def test_racing_consumers_count_each_submission_once(
    app: Litestar, client: httpx.AsyncClient, db: asyncpg.Connection, database_url: str
) -> None:
    service = await kk_service(client)
    service_id = uuid.UUID(service["id"])
    day = local_today(service["region"]["code"])
    await catch_up(db)
    before = await _received(db, service_id, day)
    citizen = await create_citizen(client)
    await create_application(client, citizen, service)
    # Submitted after the catch-up above: counted by exactly one of two consumers racing on their own connections
    # (one event a slice, so they take turns many times).
    first, second = await asyncpg.connect(database_url), await asyncpg.connect(database_url)
    try:
        after = before
        for _ in range(100):  # a long transaction elsewhere in the session (a release job) holds the horizon back
            await asyncio.gather(catch_up(first, slice_size=1), catch_up(second, slice_size=1))
            after = await _received(db, service_id, day)
            if after != before:
                break
            await asyncio.sleep(0.1)
    finally:
        await first.close()
        await second.close()
    assert (after[0] - before[0], after[1] - before[1]) == (1, 1)


@ON_SESSION_LOOP
async def test_a_transaction_older_than_the_snapshot_is_counted_when_it_commits(
    app: Litestar, client: httpx.AsyncClient, db: asyncpg.Connection, database_url: str
) -> None:
    citizen = await create_citizen(client)
    application = await create_application(client, citizen)
    application_id = uuid.UUID(application["id"])
    await catch_up(db)
    officer = uuid.uuid4()

    async def corrections() -> int:
        value: int = await db.fetchval(
            "SELECT coalesce(sum(corrections), 0) FROM stats_officer_fact WHERE officer = $1 AND grain = 'd'", officer
        )
        return value

    slow = await asyncpg.connect(database_url)
    try:
        transaction = slow.transaction()
        await transaction.start()
        # Written first, committed last: its xid is below every later transaction's.
        await slow.execute(
            """INSERT INTO applications_event (application, actor, actor_role, from_status, to_status, action, detail)
               VALUES ($1, $2, 'officer', 'in_review', 'needs_correction', 'request_correction', $3::jsonb)""",
            application_id,
            officer,
            json.dumps({}),
        )
        citizen_two = await create_citizen(client)
        await create_application(client, citizen_two)  # a later transaction, committed before the slow one
        await catch_up(db)
        assert await corrections() == 0
        await transaction.commit()
    finally:
        await slow.close()
    for _ in range(100):  # as above: the horizon moves once every older transaction has ended
        await catch_up(db)
        if await corrections():
            break
        await asyncio.sleep(0.1)
    await catch_up(db)
    assert await corrections() == 1


@ON_SESSION_LOOP
async def test_a_transaction_larger_than_a_step_is_counted_in_pages(
    app: Litestar, client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    # What an upgrade leaves: the events already there got the migration's one transaction id, and a step must not
    # count millions of them in one statement. Seven events of one transaction, steps of two: four pages, each once.
    citizen = await create_citizen(client)
    application_id = uuid.UUID((await create_application(client, citizen))["id"])
    officer = uuid.uuid4()
    await caught_up(db)
    async with db.transaction():
        for _ in range(7):
            await db.execute(
                """INSERT INTO applications_event (application, actor, actor_role, from_status, to_status, action,
                                                   detail)
                   VALUES ($1, $2, 'officer', 'in_review', 'needs_correction', 'request_correction', '{}'::jsonb)""",
                application_id,
                officer,
            )
        xid = await db.fetchval("SELECT pg_current_xact_id()::text::bigint")
    pages: list[tuple[int, int, int]] = []  # (counted, cursor's position, cursor's after_id) after each step
    for _ in range(200):
        counted, _more = await step(db, "applications", slice_size=2)
        cursor = await db.fetchrow(
            "SELECT position::text::bigint AS position, after_id FROM stats_cursor WHERE source = 'applications'"
        )
        if counted:
            pages.append((counted, cursor["position"], cursor["after_id"]))
            # Halfway through the transaction, verify recomputes just what has been counted.
            assert await verify(db) == [], cursor
        if cursor["position"] > xid:
            break
        await asyncio.sleep(0.05)  # the horizon moves once every older transaction has ended
    corrections = await db.fetchval(
        "SELECT coalesce(sum(corrections), 0) FROM stats_officer_fact WHERE officer = $1 AND grain = 'd'", officer
    )
    assert corrections == 7
    paged = [p for p in pages if p[1] == xid]
    assert [p[0] for p in paged] == [2, 2, 2], pages  # three full pages within the transaction …
    assert all(p[2] > 0 for p in paged)
    # … and the rest of it, after which the cursor moves past it — unless the app's own periodic consumer (it runs
    # in the test app too) took that last page between two of our steps; the total above holds either way.
    if len(pages) > len(paged):
        assert pages[len(paged)][0] == 1, pages


@ON_SESSION_LOOP
async def test_day_and_month_rows_agree(app: Litestar, db: asyncpg.Connection) -> None:
    await catch_up(db)
    for table, counts in (
        ("stats_application_fact", sources.APPLICATION_COUNTS),
        ("stats_queue_fact", sources.QUEUE_COUNTS),
        ("stats_complaint_fact", sources.COMPLAINT_COUNTS),
        ("stats_officer_fact", sources.OFFICER_COUNTS),
        ("stats_decision_days", ("n",)),
        ("stats_wait_minutes", ("n",)),
    ):
        sums = ", ".join(f"sum({c}) FILTER (WHERE grain = 'd') - sum({c}) FILTER (WHERE grain = 'm')" for c in counts)
        rows = await db.fetch(f"SELECT date_trunc('month', day) AS month, {sums} FROM {table} GROUP BY 1")
        for row in rows:
            assert all(v == 0 for v in list(row.values())[1:]), (table, dict(row))


def _event(**values: Any) -> Any:
    return values  # an asyncpg.Record reads the same by key


def test_local_day_is_the_regions_own() -> None:
    at = dt.datetime(2026, 3, 1, 16, 30, tzinfo=dt.UTC)  # 23:30 in Jakarta (WIB), 01:30 next day in Jayapura (WIT)
    assert sources.local_day(at, "3302") == dt.date(2026, 3, 1)
    assert sources.local_day(at, "9471") == dt.date(2026, 3, 2)
    increments = sources.Increments()
    service, agency = uuid.uuid4(), uuid.uuid4()
    for region in ("3302", "9471"):
        sources._application(
            increments,
            _event(action="submit", to_status="submitted", at=at, actor=None, region=region, agency=agency,
                   service=service, submitted_at=at, due_date=None),
        )  # fmt: skip
    days = sorted((k[1], k[2]) for k in increments.rows["stats_application_fact"] if k[0] == "d")
    assert days == [(dt.date(2026, 3, 1), "3302"), (dt.date(2026, 3, 2), "9471")]


def test_working_days_to_decide_skip_a_holiday() -> None:
    # Submitted Wednesday 13 May 2026, decided Monday 18 May: Thursday 14 May is Kenaikan Yesus Kristus (a national
    # holiday) and Friday 15 May cuti bersama, so only Monday counts.
    submitted = dt.datetime(2026, 5, 13, 3, 0, tzinfo=dt.UTC)
    decided = dt.datetime(2026, 5, 18, 3, 0, tzinfo=dt.UTC)
    increments = sources.Increments()
    sources._application(
        increments,
        _event(action="approve", to_status="approved", at=decided, actor=uuid.uuid4(), region="3302",
               agency=uuid.uuid4(), service=uuid.uuid4(), submitted_at=submitted, due_date=dt.date(2026, 5, 20)),
    )  # fmt: skip
    (key,) = [k for k in increments.rows["stats_decision_days"] if k[0] == "d"]
    assert key[-1] == 1
    fact = increments.rows["stats_application_fact"][("d", dt.date(2026, 5, 18), *key[2:5])]
    assert fact[1] == 1 and fact[2] == 1  # decided, within its due date


def test_wait_is_counted_from_the_later_of_issue_and_booked_time() -> None:
    issued = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
    row = {"first_called_at": issued + dt.timedelta(minutes=47, seconds=59), "issued_at": issued,
           "due_at": issued + dt.timedelta(minutes=30)}  # fmt: skip
    assert sources.wait_minutes(row) == 17  # type: ignore[arg-type]
    assert sources.wait_minutes({**row, "first_called_at": None}) is None  # type: ignore[arg-type]
