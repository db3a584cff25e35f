"""Reads that may lag go to a streaming replica (``DATABASE_REPLICA_URL``), reads that must be current do not: a
primary and a hot standby of our own (``pg_basebackup -R``) and a real ``mpp serve`` on them. With the standby's
replay paused, the catalogue keeps answering what the standby has while the citizen's own application, submitted
meanwhile, is listed at once: it can only have come from the primary."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
import pytest_asyncio

from tests.scaleout.citizens import SERVICE, service, sign_in, submit_and_read
from tests.scaleout.clusters import PG_BIN, ReplicaPair
from tests.support.server import Server, start_server

pytestmark = pytest.mark.skipif(
    not (PG_BIN / "pg_basebackup").exists(), reason=f"PostgreSQL's server binaries are not in {PG_BIN}"
)


@dataclass
class Stack:
    pair: ReplicaPair
    api: Server
    data_dir: Path


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    pair = await asyncio.to_thread(ReplicaPair().start)
    try:
        conn = await asyncpg.connect(pair.primary_url())
        try:
            await conn.execute("CREATE DATABASE mpp")
        finally:
            await conn.close()
        data_dir = tmp_path_factory.mktemp("replicated") / "data"
        env = {"DATABASE_REPLICA_URL": pair.standby_url("mpp"), "MPP_SEED_DEMO": "1"}
        api = start_server(data_dir, database_url=pair.primary_url("mpp"), extra_env=env)
        try:
            await asyncio.to_thread(api.wait_ready, 240)
            yield Stack(pair, api, data_dir)
        finally:
            await asyncio.to_thread(api.stop)
    finally:
        await asyncio.to_thread(pair.stop)


async def _name(client: httpx.AsyncClient, service_id: str) -> str:
    found = await client.get(f"/api/v1/services/{service_id}")
    assert found.status_code == 200, found.text
    return str(found.json()["name"])


async def test_catalogue_reads_come_from_the_replica_and_my_applications_from_the_primary(stack: Stack) -> None:
    primary = await asyncpg.connect(stack.pair.primary_url("mpp"))
    standby = await asyncpg.connect(stack.pair.standby_url("mpp"))
    async with httpx.AsyncClient(base_url=stack.api.url, timeout=30, headers={"Accept-Language": "en"}) as client:
        try:
            assert await standby.fetchval("SELECT pg_is_in_recovery()")
            found = await service(client)
            await sign_in(client, stack.data_dir)  # the standby holds the sign-in too, before the pause
            await standby.execute("SELECT pg_wal_replay_pause()")
            renamed = f"{found['name']} (renamed)"
            await primary.execute("UPDATE catalogue_service SET name_en = $1 WHERE id = $2", renamed, found["id"])

            created = await submit_and_read(client, stack.data_dir)  # listed at once: read from the primary
            assert not await standby.fetchval(
                "SELECT count(*) FROM applications_application WHERE id = $1::uuid", created["id"]
            )

            # A catalogue answer not cached yet is read now: from the standby, which has not replayed the change.
            listed = await client.get("/api/v1/services", params={"region": "3302", "q": SERVICE, "pageSize": 50})
            assert listed.status_code == 200, listed.text
            names = {item["id"]: item["name"] for item in listed.json()["items"]}
            assert names[found["id"]] == found["name"]
            assert await primary.fetchval("SELECT name_en FROM catalogue_service WHERE id = $1", found["id"]) == renamed
            assert await standby.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = 'mpp' AND application_name = 'mpp-digital'"
            )
        finally:
            await standby.execute("SELECT pg_wal_replay_resume()")
        # Replayed: the process hands the notification on, reloads, and the catalogue answers the new name.
        deadline = time.monotonic() + 20
        while await _name(client, found["id"]) != renamed:
            assert time.monotonic() < deadline, "the catalogue still answers the old name after the replay"
            await asyncio.sleep(0.1)
    await primary.close()
    await standby.close()


async def test_the_replica_catches_up_after_a_burst_of_submits(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.api.url, timeout=60) as client:
        await asyncio.gather(*(submit_and_read(client, stack.data_dir) for _ in range(8)))
    primary = await asyncpg.connect(stack.pair.primary_url("mpp"))
    try:
        written = await primary.fetchval("SELECT pg_current_wal_lsn()")
        deadline = time.monotonic() + 10
        while not await primary.fetchval("SELECT bool_and(replay_lsn >= $1) FROM pg_stat_replication", written):
            assert time.monotonic() < deadline, "the standby did not catch up"
            await asyncio.sleep(0.05)
    finally:
        await primary.close()
