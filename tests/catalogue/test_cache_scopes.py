"""A catalogue change in one region empties only that region's cached answers, in this process and in any other
that LISTENs (issue 21): observed through the cache's own counters, never through timing."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import asyncpg
import httpx
from litestar import Litestar

from api.catalogue.service import ALL_REGIONS, CatalogueRuntime

BANYUMAS, MAGELANG = "3302", "3371"


async def caught_up(runtime: CatalogueRuntime, db: asyncpg.Connection) -> None:
    """Until ``runtime`` has heard every change committed so far (each statement's last notice is its version)."""
    version = await db.fetchval("SELECT version FROM catalogue_version WHERE id = 1")
    deadline = time.monotonic() + 15
    while runtime.heard < version:
        assert time.monotonic() < deadline, "the catalogue's change never reached the process"
        await asyncio.sleep(0.05)


async def touch_building(db: asyncpg.Connection, region: str) -> None:
    """A change only that region's answers show: its building's phone number (put back afterwards)."""
    await db.execute("UPDATE catalogue_mpp SET phone = coalesce(phone, '') || '' WHERE region = $1", region)


async def test_a_change_in_one_region_leaves_the_other_regions_answers(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    catalogue: CatalogueRuntime = app.state.catalogue
    await caught_up(catalogue, db)
    queries: list[dict[str, Any]] = [
        {"q": "ktp", "region": BANYUMAS},
        {"q": "ktp", "region": MAGELANG},
        {"q": "ktp"},
    ]
    for params in queries:
        assert (await client.get("/api/v1/services", params=params)).status_code == 200
    assert catalogue.answers.scoped(BANYUMAS) and catalogue.answers.scoped(MAGELANG)
    assert catalogue.answers.scoped(ALL_REGIONS)
    magelang = catalogue.answers.scoped(MAGELANG)
    everywhere = catalogue.answers.scoped(ALL_REGIONS)

    await touch_building(db, BANYUMAS)
    await caught_up(catalogue, db)

    assert catalogue.answers.scoped(BANYUMAS) == 0
    assert catalogue.answers.scoped(MAGELANG) == magelang  # untouched
    assert catalogue.answers.scoped(ALL_REGIONS) == everywhere  # a building is not in any all-regions list
    hits, misses = catalogue.answers.hits, catalogue.answers.misses
    assert (await client.get("/api/v1/services", params=queries[1])).status_code == 200
    assert (catalogue.answers.hits, catalogue.answers.misses) == (hits + 1, misses)
    assert (await client.get("/api/v1/services", params=queries[0])).status_code == 200
    assert catalogue.answers.misses == misses + 1


async def test_another_process_hears_which_region_changed(
    db: asyncpg.Connection, database_url: str, app: Litestar
) -> None:
    """A second runtime on its own LISTEN connection, as a second API process has."""
    other = CatalogueRuntime(database_url, cache_entries=100)
    other.start()
    try:
        await caught_up(other, db)

        async def answer() -> dict[str, str]:
            return {"answer": "cached"}

        for region in (BANYUMAS, MAGELANG):
            await other.answers.get_or_compute(("probe", region), answer, lambda _a, r=region: frozenset({r}))
        await other.answers.get_or_compute(("probe",), answer, lambda _a: frozenset({ALL_REGIONS}))
        assert len(other.answers) == 3

        await touch_building(db, MAGELANG)
        await caught_up(other, db)
        assert (other.answers.scoped(BANYUMAS), other.answers.scoped(MAGELANG)) == (1, 0)
        assert other.answers.scoped(ALL_REGIONS) == 1

        # A change every region's lists show (a service's fee) empties the all-regions answers as well.
        service = await db.fetchval("SELECT id FROM catalogue_service WHERE region = $1 AND active LIMIT 1", BANYUMAS)
        await db.execute("UPDATE catalogue_service SET fee = fee + 1 WHERE id = $1", service)
        try:
            await caught_up(other, db)
            assert (other.answers.scoped(BANYUMAS), other.answers.scoped(ALL_REGIONS)) == (0, 0)
        finally:
            await db.execute("UPDATE catalogue_service SET fee = fee - 1 WHERE id = $1", service)
    finally:
        await other.stop()
    # The app's own runtime has heard it all too: the next test starts from a settled cache.
    await caught_up(app.state.catalogue, db)
