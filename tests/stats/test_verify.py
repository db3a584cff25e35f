"""``verify`` recomputes the figures from the record: a planted difference is reported, then gone once undone."""

from __future__ import annotations

import uuid

import asyncpg
import httpx
import pytest
from litestar import Litestar

from api.stats.consumer import catch_up
from api.stats.verify import verify
from tests.support.factories import create_application, create_citizen

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def plant(db: asyncpg.Connection, client: httpx.AsyncClient, by: int) -> uuid.UUID:
    """An application submitted and counted; its day row's ``received`` then moved by ``by``; the service's id."""
    citizen = await create_citizen(client)
    application = await create_application(client, citizen)
    service: uuid.UUID = await db.fetchval(
        "SELECT service FROM applications_application WHERE id = $1", uuid.UUID(application["id"])
    )
    for _ in range(100):
        await catch_up(db)
        if await db.fetchval("SELECT count(*) FROM stats_application_fact WHERE service = $1", service):
            break
    await db.execute(
        """UPDATE stats_application_fact SET received = received + $2
           WHERE service = $1 AND grain = 'd' AND day = (SELECT max(day) FROM stats_application_fact
                                                         WHERE service = $1 AND grain = 'd')""",
        service,
        by,
    )
    return service


async def test_a_planted_difference_is_reported(
    app: Litestar, client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    service = await plant(db, client, 1)
    found = [d for d in await verify(db) if f"service={service}" in d.unit]
    assert len(found) == 1
    (difference,) = found
    assert (difference.source, difference.table, difference.grain, difference.column) == (
        "applications",
        "stats_application_fact",
        "d",
        "received",
    )
    assert difference.stored == difference.recomputed + 1
    await plant(db, client, -1)  # undone (a second application of the same service, counted, then the fix)
    assert [d for d in await verify(db) if f"service={service}" in d.unit] == []
