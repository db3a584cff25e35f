"""The cluster of ``tests/multiprocess``: started once per session (it takes 10–20 s), stopped and its database
dropped at the end. See ``cluster.py``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
import pytest_asyncio

from tests.fakes.push_service import FakePushService
from tests.multiprocess.cluster import Cluster
from tests.support.board import REGION
from tests.support.database import create_database, drop_database


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def cluster(server_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Cluster]:
    url = await create_database(server_url, "mpp_multi")
    # The push service outlives the workers: stopping it first would wait on their kept-alive connections.
    with FakePushService() as push:
        started = Cluster(url, tmp_path_factory.mktemp("multiprocess") / "var", push)
        try:
            # Blocking waits for the processes' readiness, off the event loop.
            await asyncio.to_thread(started.start)
            yield started
        finally:
            await asyncio.to_thread(started.stop)
            await drop_database(server_url, url)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def cluster_db(cluster: Cluster) -> AsyncIterator[asyncpg.Connection]:
    """A direct connection to the cluster's database, for assertions on what the processes stored."""
    conn = await asyncpg.connect(cluster.database_url)
    try:
        yield conn
    finally:
        await conn.close()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def region_admin(cluster: Cluster) -> str:
    """A region admin of Banyumas (made with ``mpp users create``), signed in on A with both factors."""
    return await cluster.staff_sign_in(*await cluster.create_admin(REGION))
