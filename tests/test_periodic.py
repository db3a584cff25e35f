"""Stopping the background jobs: a round already running gets a grace period, then is cancelled (its cleanup runs),
and a job that fails stops the others and is raised (``api/lib/periodic.py``)."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import pytest
from litestar import Litestar

from api.lib.periodic import finish_or_cancel, run_until_stopped
from api.stats.consumer import catch_up
from api.stats.sources import SOURCES


async def test_a_job_that_finishes_in_time_is_left_to_finish_and_a_stuck_one_is_cancelled() -> None:
    stop = asyncio.Event()
    cleaned: list[str] = []

    async def polite() -> None:
        await stop.wait()
        await asyncio.sleep(0.05)  # the end of its round
        cleaned.append("polite")

    async def stuck() -> None:
        try:
            await asyncio.sleep(3600)  # a catch-up over millions of rows, say
        finally:
            cleaned.append("stuck")  # its connection closed, its transaction rolled back

    tasks = [asyncio.create_task(polite(), name="polite"), asyncio.create_task(stuck(), name="stuck")]
    await asyncio.sleep(0)
    stop.set()
    started = time.monotonic()
    cancelled = await finish_or_cancel(tasks, grace=0.3)
    assert cancelled == ["stuck"]
    assert sorted(cleaned) == ["polite", "stuck"]
    assert time.monotonic() - started < 3  # the grace, not the hour
    assert not tasks[0].cancelled() and tasks[1].cancelled()


async def test_a_failing_job_stops_the_others_and_is_raised() -> None:
    stop = asyncio.Event()
    stopped: list[str] = []

    async def loop(name: str) -> None:
        await stop.wait()
        stopped.append(name)

    async def broken() -> None:
        await asyncio.sleep(0.05)
        raise RuntimeError("the SMS gateway's client is misconfigured")

    with pytest.raises(RuntimeError, match="misconfigured"):
        await run_until_stopped({"a": loop("a"), "broken": broken(), "b": loop("b")}, stop, grace=1)
    assert stop.is_set() and sorted(stopped) == ["a", "b"]


async def test_jobs_run_until_told_to_stop() -> None:
    stop = asyncio.Event()
    rounds: list[int] = []

    async def job() -> None:
        while not stop.is_set():
            rounds.append(1)
            await asyncio.sleep(0.01)

    async def switched_off() -> None:
        return  # e.g. the OSS connector without MPP_OSS_URL: the other jobs go on

    asyncio.get_running_loop().call_later(0.3, stop.set)
    started = time.monotonic()
    await run_until_stopped({"job": job(), "off": switched_off()}, stop, grace=1)
    assert time.monotonic() - started >= 0.25 and len(rounds) > 3


@pytest.mark.asyncio(loop_scope="session")
async def test_the_figures_catch_up_ends_when_the_process_stops(app: Litestar, database_url: str) -> None:
    """Between slices, the consumer looks at the process's stop: a stopping process counts nothing more (and a
    catch-up over millions of events ends at its next slice instead of holding up the shutdown)."""
    stop = asyncio.Event()
    stop.set()
    conn = await asyncpg.connect(database_url)
    try:
        assert await catch_up(conn, stop=stop) == {}
        assert set(await catch_up(conn, stop=asyncio.Event())) == set(SOURCES)  # not stopping: every source
    finally:
        await conn.close()
