"""The API through PgBouncer in transaction mode (Debian's pgbouncer 1.18, no prepared statements there): a real
``mpp serve`` with ``DATABASE_URL`` at the pooler, ``DATABASE_DIRECT_URL`` at PostgreSQL and
``MPP_DB_POOLER=pgbouncer``. Twenty pooled client connections share four server sessions, so any session state a
request relied on (a prepared statement, a session lock, a SET) would be lost or leak between requests."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest
import pytest_asyncio

from api.lib.db import SESSION_SETTINGS
from api.stats.consumer import catch_up
from tests.scaleout.citizens import service, sign_in, submit_and_read
from tests.scaleout.clusters import PG_BIN, PgBouncer, ReplicaPair, pgbouncer_binary
from tests.support.database import create_database, drop_database
from tests.support.server import Server, start_server

pytestmark = pytest.mark.skipif(
    pgbouncer_binary() is None, reason="pgbouncer is not installed (scripts/test.sh installs it with apt-get)"
)

SERVER_SESSIONS = 4


@dataclass
class Stack:
    bouncer: PgBouncer
    api: Server
    data_dir: Path
    direct: str
    pooled: str


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    """A fresh database with the session settings on it (as docs/operations.md tells operators), PgBouncer in front
    of its server, and ``mpp serve`` through both (migrated and seeded on the direct address)."""
    own: ReplicaPair | None = None
    server = os.environ.get("DATABASE_URL", "")
    if not server:  # the embedded server listens on a socket only: a PostgreSQL of our own instead
        own = await asyncio.to_thread(ReplicaPair(standby=False).start)
        server = own.primary_url()
    direct = await create_database(server, prefix="mpp_pgbouncer")
    name = urlsplit(direct).path.lstrip("/")
    conn = await asyncpg.connect(direct)
    try:
        for setting, value in SESSION_SETTINGS.items():
            await conn.execute(f"ALTER DATABASE \"{name}\" SET {setting} = '{value}'")
    finally:
        await conn.close()
    bouncer = await asyncio.to_thread(PgBouncer(server, pool_size=SERVER_SESSIONS).start)
    data_dir = tmp_path_factory.mktemp("pooled") / "data"
    env = {"DATABASE_DIRECT_URL": direct, "MPP_DB_POOLER": "pgbouncer", "MPP_DB_POOL_MAX": "20", "MPP_SEED_DEMO": "1"}
    api = start_server(data_dir, database_url=bouncer.url(name), extra_env=env)
    try:
        await asyncio.to_thread(api.wait_ready, 240)
        yield Stack(bouncer, api, data_dir, direct, bouncer.url(name))
    finally:
        await asyncio.to_thread(api.stop)
        bouncer.stop()
        await drop_database(server, direct)
        if own is not None:
            own.stop()


def pooler_stats(bouncer: PgBouncer, database: str) -> dict[str, int]:
    """PgBouncer's SHOW STATS row of a database (its admin console speaks the simple protocol only: psql)."""
    psql = [str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(bouncer.port), "-U", "postgres", "-d", "pgbouncer"]
    out = subprocess.run(
        [*psql, "-A", "-F", "\t", "-c", "SHOW STATS"],
        capture_output=True,
        text=True,
        check=True,
        timeout=10,
    ).stdout.splitlines()
    header = out[0].split("\t")
    for line in out[1:]:
        row = dict(zip(header, line.split("\t"), strict=False))
        if row.get("database") == database:
            return {k: int(v) for k, v in row.items() if v.isdigit()}
    return {}


async def test_session_settings_come_from_the_database_since_the_pooler_refuses_them(stack: Stack) -> None:
    with pytest.raises(asyncpg.ProtocolViolationError, match="statement_timeout"):
        await asyncpg.connect(stack.pooled, statement_cache_size=0, server_settings={"statement_timeout": "1000"})
    conn = await asyncpg.connect(stack.pooled, statement_cache_size=0)
    try:
        assert await conn.fetchval("SHOW statement_timeout") == "15s"
        assert await conn.fetchval("SHOW jit") == "off"
    finally:
        await conn.close()


async def test_citizens_sign_in_submit_and_read_their_applications_concurrently(stack: Stack) -> None:
    name = urlsplit(stack.direct).path.lstrip("/")
    before = pooler_stats(stack.bouncer, name).get("total_xact_count", 0)
    async with httpx.AsyncClient(base_url=stack.api.url, timeout=30) as client:
        created = await asyncio.gather(*(submit_and_read(client, stack.data_dir) for _ in range(6)))
    assert len({c["id"] for c in created}) == 6
    # The requests' transactions went through the pooler, whose four server sessions served all of them.
    assert pooler_stats(stack.bouncer, name)["total_xact_count"] - before > 6 * 5
    direct = await asyncpg.connect(stack.direct)
    try:
        servers = await direct.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'mpp-digital'", name
        )
        listening = await direct.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN%'", name
        )
    finally:
        await direct.close()
    assert servers <= SERVER_SESSIONS
    # The listeners (catalogue, calendar, board, the outbox's wake-ups) hold sessions of their own, not the pooler's.
    assert listening >= 3


async def test_a_catalogue_change_committed_through_the_pooler_reloads_the_api(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.api.url, timeout=30, headers={"Accept-Language": "en"}) as client:
        found = await service(client)
        renamed = f"{found['name']} (pooled)"
        conn = await asyncpg.connect(stack.pooled, statement_cache_size=0)
        try:
            # The catalogue's statement trigger sends NOTIFY catalogue_changed at commit, through the pooler.
            await conn.execute("UPDATE catalogue_service SET name_en = $1 WHERE id = $2", renamed, found["id"])
        finally:
            await conn.close()
        deadline = time.monotonic() + 15
        while (await client.get(f"/api/v1/services/{found['id']}")).json()["name"] != renamed:
            assert time.monotonic() < deadline, "the API still answers the old name"
            await asyncio.sleep(0.1)


async def test_the_first_open_data_release_is_built_once_and_no_lock_is_left(stack: Stack) -> None:
    conn = await asyncpg.connect(stack.pooled, statement_cache_size=0)
    try:
        await conn.execute("DELETE FROM stats_open_data_release")
    finally:
        await conn.close()
    async with httpx.AsyncClient(base_url=stack.api.url, timeout=60) as client:
        answers = await asyncio.gather(*(client.get("/open-data/datapackage.json") for _ in range(8)))
    assert [a.status_code for a in answers] == [200] * 8
    assert len({a.headers["etag"] for a in answers}) == 1
    # The stats consumer's per-source locks, from six pooled connections at once.
    pooled = [await asyncpg.connect(stack.pooled, statement_cache_size=0) for _ in range(6)]
    try:
        await asyncio.gather(*(catch_up(c) for c in pooled))
    finally:
        for c in pooled:
            await c.close()
    direct = await asyncpg.connect(stack.direct)
    try:
        assert await direct.fetchval("SELECT count(*) FROM stats_open_data_release") == 1
        # Transaction-level locks end with their transactions; a session lock taken through the pooler would stay
        # on whichever server session ran it.
        deadline = time.monotonic() + 5
        while await direct.fetchval(
            "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
            "WHERE l.locktype = 'advisory' AND d.datname = current_database()"
        ):
            assert time.monotonic() < deadline, "an advisory lock is still held"
            await asyncio.sleep(0.1)
    finally:
        await direct.close()


async def test_sign_in_works_when_the_pooler_queues_clients(stack: Stack) -> None:
    """More citizens at once than server sessions: the pooler queues their transactions, none fails."""
    async with httpx.AsyncClient(base_url=stack.api.url, timeout=30) as client:
        tokens = await asyncio.gather(*(sign_in(client, stack.data_dir) for _ in range(12)))
        mine = await asyncio.gather(
            *(client.get("/api/v1/me", headers={"Authorization": f"Bearer {t['accessToken']}"}) for t in tokens)
        )
    assert [m.status_code for m in mine] == [200] * 12
