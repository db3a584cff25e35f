"""Call-next reads the line from its index (the first few of each priority) instead of sorting the whole line; when
every one of those is held by other counters it reads the whole line, so nobody is passed over."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import httpx
import pytest
import pytest_asyncio
from litestar import Litestar

from api.calendar.service import working_calendar
from api.lib.staff import Officer
from api.queue import queries, rules
from api.queue import service as queue
from api.queue.schemas import TicketCreate
from tests.support.auth import staff
from tests.support.queue import OPEN_REGION, open_all_day, queued_service

KIOSK = uuid.UUID(int=11)


@pytest_asyncio.fixture(loop_scope="session")
async def admin(client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar) -> str:
    return await open_all_day(client, db, app, OPEN_REGION)


def at(day: dt.date, clock: str) -> dt.datetime:
    hour, minute = (int(x) for x in clock.split(":"))
    return dt.datetime.combine(day, dt.time(hour, minute), rules.time_zone(OPEN_REGION))


async def test_when_the_first_candidates_are_held_call_next_reads_the_whole_line(
    client: httpx.AsyncClient, db: asyncpg.Connection, admin: str, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    chosen = await queued_service(client, admin, agency="PENGADILAN_AGAMA", walkInQuota=500)
    service = uuid.UUID(chosen["service"]["id"])
    day = rules.local_today(OPEN_REGION, dt.datetime.now(dt.UTC)) + dt.timedelta(days=60)
    while working_calendar(OPEN_REGION).holiday(day) is not None:
        day += dt.timedelta(days=1)
    issued = []
    for minute in ("09:00", "09:01", "09:02"):
        made, _ = await queue.issue(
            db, kiosk=KIOSK, region=OPEN_REGION, data=TicketCreate(service_id=service), idempotency_key=None,
            site="http://localhost:8000", now=at(day, minute), lang="id",
        )  # fmt: skip
        issued.append(made)
    phone = await staff(db, "officer", agency="PENGADILAN_AGAMA", region=OPEN_REGION)
    clerk = Officer(
        id=await db.fetchval("SELECT id FROM accounts_account WHERE phone = $1", phone),
        agency_code="PENGADILAN_AGAMA",
        region=OPEN_REGION,
    )
    number = (await queue.list_counters(db, officer=clerk, now=at(day, "09:05"), lang="id")).items[0].number
    await queue.open_counter(db, officer=clerk, number=number, now=at(day, "09:05"), lang="id")
    # One candidate per priority, and another counter holds the first walk-in at this instant.
    monkeypatch.setattr(queries, "CALL_CANDIDATES", 1)
    other = await asyncpg.connect(database_url)
    try:
        async with other.transaction():
            await other.execute("SELECT 1 FROM queue_ticket WHERE id = $1 FOR UPDATE", issued[0].id)
            called = await queue.call_next(db, officer=clerk, number=number, now=at(day, "09:06"), lang="id")
            assert called is not None and called.number == issued[1].number
    finally:
        await other.close()
    # Released: the first walk-in is next again, ahead of the third.
    await queue.serve(db, officer=clerk, ticket_id=called.id, now=at(day, "09:07"), lang="id")
    again = await queue.call_next(db, officer=clerk, number=number, now=at(day, "09:08"), lang="id")
    assert again is not None and again.number == issued[0].number
