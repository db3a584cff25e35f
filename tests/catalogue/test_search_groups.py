"""Search across all regions by search group (issue 21): the same services as ranking every service, kept current
by the catalogue's own triggers; a region's own words still search service by service."""

from __future__ import annotations

import asyncpg
import pytest

from api.catalogue.search_queries import SearchIndex
from api.catalogue.service import ServiceFilter
from tests.catalogue.conftest import services

# What the triggers keep, recomputed from scratch: one row per key of active services.
RECOMPUTED_SQL = """
SELECT DISTINCT ON (s.search_key) s.search_key AS key, s.id AS service, s.search_vector,
       count(*) OVER (PARTITION BY s.search_key) AS services
FROM catalogue_service s WHERE s.active ORDER BY s.search_key, s.region
"""
STORED_SQL = "SELECT key, service, search_vector, services FROM catalogue_search_group ORDER BY key"


async def groups_match_services(db: asyncpg.Connection) -> None:
    recomputed = sorted((tuple(r) for r in await db.fetch(RECOMPUTED_SQL)), key=lambda r: r[0])
    stored = [tuple(r) for r in await db.fetch(STORED_SQL)]
    assert stored == recomputed


async def every_page(
    db: asyncpg.Connection, index: SearchIndex, query: str | None
) -> tuple[int, list[tuple[str, str]]]:
    """(total, [(code, region)…]) of every page of an all-regions search."""
    items: list[tuple[str, str]] = []
    total, page = 0, 1
    while True:
        found = services(index, query=query, filters=ServiceFilter(), page=page, page_size=100)
        total = found.total
        items += [(i.code, i.region.code) for i in found.items]
        if len(found.items) < 100:
            return total, items
        page += 1


async def test_the_triggers_keep_one_group_per_service_across_regions(db: asyncpg.Connection) -> None:
    await groups_match_services(db)
    groups = await db.fetchval("SELECT count(*) FROM catalogue_search_group")
    services = await db.fetchval("SELECT count(*) FROM catalogue_service WHERE active")
    assert 0 < groups < services / 5  # the demo's 21 regions share their standards


@pytest.mark.parametrize("query", ["akta kelahiran", "usaha", "ktp", None])
async def test_all_regions_by_group_finds_what_ranking_every_service_finds(
    db: asyncpg.Connection, index: SearchIndex, query: str | None
) -> None:
    plan = index.plan(query) if query else None
    assert plan is None or not index.regional(plan)  # these take the group path
    total, items = await every_page(db, index, query)
    where = "s.active" + (" AND s.search_vector @@ to_tsquery('simple', $1)" if plan else "")
    expected = await db.fetch(
        f"SELECT s.code, s.region FROM catalogue_service s WHERE {where}", *([plan.must] if plan else [])
    )
    assert total == len(expected) == len(items)
    assert sorted(items) == sorted((r["code"], r["region"]) for r in expected)
    # The first group's services come first, together, in region order.
    first = await db.fetchval(
        """SELECT g.services FROM catalogue_search_group g JOIN catalogue_service s ON s.search_key = g.key
           WHERE s.code = $1 AND s.region = $2""",
        *items[0],
    )
    leading = [region for code, region in items[:first]]
    assert {code for code, _ in items[:first]} == {items[0][0]}
    assert leading == sorted(leading)


async def test_a_regions_own_word_searches_service_by_service(db: asyncpg.Connection, index: SearchIndex) -> None:
    plan = index.plan("ktp banyumas")
    assert index.regional(plan)
    found = services(index, query="ktp banyumas", filters=ServiceFilter())
    assert found.items
    assert {i.region.code for i in found.items} == {"3302"}


async def test_a_change_moves_only_its_own_groups(rolled_back: asyncpg.Connection) -> None:
    db = rolled_back
    service = await db.fetchrow("SELECT id, search_key FROM catalogue_service WHERE active AND national LIMIT 1")
    before = await db.fetchval("SELECT services FROM catalogue_search_group WHERE key = $1", service["search_key"])
    untouched = await db.fetch(f"{STORED_SQL.replace(' ORDER BY', ' WHERE key <> $1 ORDER BY')}", service["search_key"])

    await db.execute("UPDATE catalogue_service SET active = false WHERE id = $1", service["id"])
    after = await db.fetchval("SELECT services FROM catalogue_search_group WHERE key = $1", service["search_key"])
    assert after == before - 1

    # Renamed: the service leaves its group for a new one of its own.
    await db.execute(
        "UPDATE catalogue_service SET active = true, name_id = name_id || ' Zq' WHERE id = $1", service["id"]
    )
    key = await db.fetchval("SELECT search_key FROM catalogue_service WHERE id = $1", service["id"])
    assert key != service["search_key"]
    assert await db.fetchval("SELECT services FROM catalogue_search_group WHERE key = $1", key) == 1
    await groups_match_services(db)
    still = await db.fetch(
        f"{STORED_SQL.replace(' ORDER BY', ' WHERE key <> $1 AND key <> $2 ORDER BY')}", service["search_key"], key
    )
    assert still == untouched
