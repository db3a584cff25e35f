"""The figures checked after every test module: "the test suite runs ``mpp stats verify`` after every scenario".

A pytest plugin (``pytest_plugins`` in ``conftest.py``): at the end of each module that used the session's database
(through ``app``, or the browser tests' ``pwa_server`` process on the same database), the consumer is caught up and
every day that has an event is verified; a difference fails the module's last test's teardown with the list.
Modules that never touched the database are skipped (no connection is opened for them).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator

import asyncpg
import pytest

from api.stats.consumer import catch_up
from api.stats.verify import Difference, verify

_USES_DATABASE = {"app", "pwa_server"}


async def caught_up(db: asyncpg.Connection, seconds: float = 15) -> None:
    """Wait until the figures count everything committed so far. ``catch_up`` skips a source another process (the
    app's own periodic consumer) is counting at that moment, so it is called until every source's cursor has passed
    the transactions that had begun before this call."""
    horizon = await db.fetchval("SELECT pg_snapshot_xmax(pg_current_snapshot())")
    deadline = time.monotonic() + seconds
    while True:
        await catch_up(db)
        if await db.fetchval("SELECT bool_and(position >= $1) FROM stats_cursor", horizon):
            return
        assert time.monotonic() < deadline, "the figures did not catch up"
        await asyncio.sleep(0.05)


async def caught_up_differences(database_url: str) -> list[Difference]:
    """Catch the figures up with the record, then every difference between them (all days with an event)."""
    conn = await asyncpg.connect(database_url)
    try:
        await catch_up(conn)
        return await verify(conn)
    finally:
        await conn.close()


def _used_database(request: pytest.FixtureRequest) -> bool:
    return any(
        _USES_DATABASE & set(getattr(item, "fixturenames", ()))
        for item in request.session.items
        if getattr(item, "module", None) is request.module
    )


@pytest.fixture(scope="module", autouse=True)
def figures_agree_with_record(request: pytest.FixtureRequest) -> Iterator[None]:
    # Which tests the module will run is known before the first: the session's database is asked for (a session
    # fixture, already made by then or made now) only by modules that use it.
    # MPP_STATS_VERIFY_EACH_MODULE=0 turns it off (one difference fails every later module of the shared database,
    # which hides the next failure while you chase the first).
    enabled = os.environ.get("MPP_STATS_VERIFY_EACH_MODULE", "1") != "0"
    url: str | None = request.getfixturevalue("database_url") if enabled and _used_database(request) else None
    yield
    if url is None:
        return
    # A loop of its own, never made the thread's current one: pytest-asyncio's session loop stays as it was.
    loop = asyncio.new_event_loop()
    try:
        differences = loop.run_until_complete(caught_up_differences(url))
    finally:
        loop.close()
    assert not differences, "figures differ from the record:\n" + "\n".join(str(d) for d in differences)
