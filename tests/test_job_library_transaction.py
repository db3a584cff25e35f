"""pgqueuer (weighed against our outbox loop in bench/jobs_bench.py) keeps the outbox's guarantee: a job enqueued on
the caller's asyncpg connection belongs to the caller's transaction — it exists if the change commits, never if it
rolls back, and no worker can see it before the commit.

On a throw-away database of its own (pgqueuer installs its own tables, which the session's database must not get).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import pytest
import pytest_asyncio
from pgqueuer.queries import EntrypointExecutionParameter, Queries
from pgqueuer.types import QueueEntrypoint, QueueManagerId

from tests.support.database import create_database, drop_database

ENTRYPOINT = "webhook"


class Refused(Exception):  # noqa: N818 (the business rule's refusal, not a programming error)
    pass


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def jobs_url(server_url: str) -> AsyncIterator[str]:
    url = await create_database(server_url, prefix="mpp_jobs")
    try:
        setup = await asyncpg.connect(url)
        try:
            await setup.execute("CREATE TABLE business (id bigserial PRIMARY KEY, note text NOT NULL)")
            await Queries.from_asyncpg_connection(setup).install()
        finally:
            await setup.close()
        yield url
    finally:
        await drop_database(server_url, url)


@pytest_asyncio.fixture(loop_scope="session")
async def conn(jobs_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(jobs_url)
    try:
        yield connection
    finally:
        await connection.close()


async def counts(db: asyncpg.Connection) -> tuple[int, int]:
    jobs = await db.fetchval("SELECT count(*) FROM pgqueuer WHERE entrypoint = $1", ENTRYPOINT)
    rows = await db.fetchval("SELECT count(*) FROM business")
    return jobs, rows


async def change_and_enqueue(db: asyncpg.Connection, note: str) -> None:
    await db.execute("INSERT INTO business (note) VALUES ($1)", note)
    await Queries.from_asyncpg_connection(db).enqueue(ENTRYPOINT, json.dumps({"note": note}).encode())


async def refused_change(db: asyncpg.Connection, enqueue_on: Queries | None = None) -> None:
    async with db.transaction():
        await db.execute("INSERT INTO business (note) VALUES ('refused')")
        await (enqueue_on or Queries.from_asyncpg_connection(db)).enqueue(ENTRYPOINT, b"{}")
        raise Refused


async def test_rolled_back_change_leaves_no_job(conn: asyncpg.Connection) -> None:
    before = await counts(conn)
    with pytest.raises(Refused):
        await refused_change(conn)
    assert await counts(conn) == before


async def test_a_job_enqueued_through_a_pool_escapes_the_transaction(conn: asyncpg.Connection, jobs_url: str) -> None:
    """Why the caller's connection must be passed: the pool's connection commits the job on its own."""
    jobs, rows = await counts(conn)
    async with asyncpg.create_pool(jobs_url, min_size=1, max_size=2) as pool:
        with pytest.raises(Refused):
            await refused_change(conn, Queries.from_asyncpg_pool(pool))
    assert await counts(conn) == (jobs + 1, rows)
    await conn.execute("DELETE FROM pgqueuer WHERE entrypoint = $1", ENTRYPOINT)


async def test_committed_change_leaves_its_job(conn: asyncpg.Connection) -> None:
    jobs, rows = await counts(conn)
    async with conn.transaction():
        await change_and_enqueue(conn, "accepted")
    assert await counts(conn) == (jobs + 1, rows + 1)
    payload = await conn.fetchval("SELECT payload FROM pgqueuer ORDER BY id DESC LIMIT 1")
    assert json.loads(payload) == {"note": "accepted"}


async def test_no_worker_takes_the_job_before_the_commit(conn: asyncpg.Connection, jobs_url: str) -> None:
    worker = await asyncpg.connect(jobs_url)
    queries = Queries.from_asyncpg_connection(worker)

    async def dequeue() -> list[str]:
        jobs = await queries.dequeue(
            batch_size=10,
            entrypoints={QueueEntrypoint(ENTRYPOINT): EntrypointExecutionParameter(concurrency_limit=0)},
            queue_manager_id=QueueManagerId(uuid.uuid4()),
            global_concurrency_limit=None,
            heartbeat_timeout=timedelta(seconds=30),
        )
        return [json.loads(job.payload or b"null")["note"] for job in jobs]

    try:
        await dequeue()  # whatever earlier tests left
        transaction = conn.transaction()
        await transaction.start()
        try:
            await change_and_enqueue(conn, "pending")
            assert await dequeue() == []  # pgqueuer's own claim, from a worker's connection
        finally:
            await transaction.commit()
        assert await dequeue() == ["pending"]
    finally:
        await worker.close()
