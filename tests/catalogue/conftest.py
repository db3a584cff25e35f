"""Fixtures of the catalogue's search tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest_asyncio

from api.catalogue.search_queries import SearchIndex
from api.catalogue.service import load_index


@pytest_asyncio.fixture(loop_scope="session")
async def index(db: asyncpg.Connection) -> SearchIndex:
    """The search's vocabulary and catalogue as the session's database has them now."""
    return await load_index(db)


@pytest_asyncio.fixture(loop_scope="session")
async def rolled_back(db: asyncpg.Connection) -> AsyncIterator[asyncpg.Connection]:
    """The session's database, with this test's changes undone (every test shares it)."""
    transaction = db.transaction()
    await transaction.start()
    try:
        yield db
    finally:
        await transaction.rollback()
