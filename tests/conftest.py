"""Test fixtures: a real PostgreSQL database built by running the migrations.

With DATABASE_URL set (CI: the machine's PostgreSQL 15), each test session creates its own fresh database
on that server and drops it afterwards. Without it (a newcomer's laptop), the session starts the embedded
PostgreSQL in a temporary folder. Either way the schema comes from the migrations, as in production.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
import pytest_asyncio
from litestar import Litestar

from api.config import Settings, reload_settings
from api.lib.embedded_pg import EmbeddedPostgres
from tests.support.clients import client_at
from tests.support.database import create_database, drop_database

SERVER_URL = os.environ.get("DATABASE_URL", "")

# After every module that used the database: the figures are caught up and verified against the record.
pytest_plugins = ["tests.support.stats"]


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A PostgreSQL server to create test databases on: the external one, or an embedded one."""
    if SERVER_URL:
        yield SERVER_URL
        return
    embedded = EmbeddedPostgres(tmp_path_factory.mktemp("embedded"))
    try:
        yield embedded.start()
    finally:
        embedded.destroy()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def database_url(server_url: str) -> AsyncIterator[str]:
    url = await create_database(server_url)
    try:
        yield url
    finally:
        await drop_database(server_url, url)


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    os.environ["DATABASE_URL"] = database_url
    os.environ["MPP_ENV"] = "test"
    os.environ["MPP_DATA_DIR"] = str(tmp_path_factory.mktemp("data"))
    os.environ["MPP_SEED_DEMO"] = "true"
    # The fake push service (tests/fakes/push_service.py) listens on plain http on this host.
    os.environ["MPP_PUSH_TEST_HOSTS"] = "127.0.0.1"
    return reload_settings()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def app(settings: Settings) -> AsyncIterator[Litestar]:
    """The application with its lifespan entered: migrated, demo catalogue loaded, pool running."""
    from api.app import create_app

    application = create_app(settings)
    started, stop = asyncio.Event(), asyncio.Event()

    async def run() -> None:
        # Litestar's lifespan opens an anyio cancel scope, which must be left by the task that entered it;
        # pytest-asyncio finalises fixtures in another task, so the lifespan lives in a task of its own.
        async with application.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(run())
    await asyncio.wait({task, asyncio.create_task(started.wait())}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()  # start-up failed: raise its error here
    yield application
    stop.set()
    await task


@pytest_asyncio.fixture(loop_scope="session")
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """Each test calls from its own address, as citizens on different phones do."""
    async with client_at(
        app, f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"
    ) as c:
        yield c


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def db(app: Litestar, database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A direct connection to the test database, for assertions on what is stored."""
    conn = await asyncpg.connect(database_url)
    try:
        yield conn
    finally:
        await conn.close()


REPO = Path(__file__).resolve().parent.parent
