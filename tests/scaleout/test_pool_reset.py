"""The request pool's reset on release (``api.lib.db._reset``): skipped only for a ``connection(stateless=True)``
block that ended normally, run in full for every other release — an error in a stateless block included."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
import pytest_asyncio

from api.config import Settings
from api.lib import db


@pytest_asyncio.fixture(loop_scope="session")
async def one_connection(
    database_url: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[asyncpg.Pool]:
    """The request pool's options on a pool of one connection, so that each block gets the previous one's."""
    options = {**db.pool_options(settings.db), "min_size": 1, "max_size": 1}
    pool = await asyncpg.create_pool(database_url, **options)
    monkeypatch.setattr(db, "pool", lambda: pool)
    try:
        yield pool
    finally:
        await pool.close()


async def _name_left() -> str:
    async with db.connection() as conn:
        name: str = await conn.fetchval("SELECT current_setting('application_name')")
    return name


async def test_only_a_stateless_block_that_ended_normally_skips_the_reset(one_connection: asyncpg.Pool) -> None:
    # Breaking the promise on purpose makes the skipped reset visible to the next block.
    async with db.connection(stateless=True) as conn:
        await conn.execute("SET application_name = 'left-behind'")
    assert await _name_left() == "left-behind"
    assert await _name_left() == "mpp-digital"  # the previous block was not stateless: reset
    await _fail_in_a_stateless_block()
    assert await _name_left() == "mpp-digital"


async def _fail_in_a_stateless_block() -> None:
    try:
        async with db.connection(stateless=True) as conn:
            await conn.execute("SET application_name = 'left-behind'")
            raise RuntimeError("the block failed")
    except RuntimeError:
        return
    raise AssertionError("the block's error was swallowed")


async def test_an_open_transaction_is_rolled_back_even_without_the_reset(one_connection: asyncpg.Pool) -> None:
    async with db.connection(stateless=True) as conn:
        await conn.execute("BEGIN")
        await conn.execute("CREATE TEMPORARY TABLE reset_probe (x int) ON COMMIT DROP")
    async with db.connection() as conn:
        assert not await conn.fetchval("SELECT pg_current_xact_id_if_assigned() IS NOT NULL")
        assert await conn.fetchval("SELECT to_regclass('pg_temp.reset_probe') IS NULL")
