"""Fixtures of the catalogue's search tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import msgspec
import pytest_asyncio

from api.catalogue import schemas, search_queries
from api.catalogue.search_queries import SearchIndex, ServiceFilter
from api.catalogue.service import load_index


def services(index: SearchIndex, *, query: str | None, filters: ServiceFilter, lang: str = "id", page: int = 1,
             page_size: int = 20) -> schemas.ServiceList:  # fmt: skip
    """``GET /services``'s answer as a client reads it (the search encodes each summary once per snapshot)."""
    found = search_queries.search_services(
        index, query=query, filters=filters, lang=lang,  # type: ignore[arg-type]
        page=page, page_size=page_size,
    )  # fmt: skip
    return msgspec.json.decode(msgspec.json.encode(found), type=schemas.ServiceList)


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
