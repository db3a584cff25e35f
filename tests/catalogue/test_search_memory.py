"""The search over the catalogue held in memory (issue 21) answers what the SQL search answered, page by page;
a service's vector is its group's plus its own region's words; a change reloads only what it named."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import asyncpg
import msgspec
import pytest

from api.catalogue import search_queries
from api.catalogue.search_memory import Catalogue, pack
from api.catalogue.search_queries import SearchIndex, ServiceFilter
from api.catalogue.service import CatalogueRuntime, load_index
from tests.catalogue import sql_search
from tests.catalogue.conftest import services

QUERIES = [
    None,
    "akta kelahiran",
    "usaha",
    "izin usaha",
    "ktp",
    "ktp banyumas",  # a region's own word: services, not groups
    "bikin paspor",
    "kelahran",  # a typo, corrected
    "pasp",  # completed as typed
    "buat ktp surat pindah",  # no service has every word: any of them
    "kota",
    "birth certificate",
    "pajak kendaraan bermotor",
]
FILTERS = [
    ServiceFilter(),
    ServiceFilter(region="3302"),
    ServiceFilter(region="3374", channel="online"),
    ServiceFilter(category="birth"),
    ServiceFilter(agency="DISDUKCAPIL", channel="counter"),
    ServiceFilter(codes=("akta-kelahiran", "ktp-el-baru")),
]


async def every_page(db: asyncpg.Connection, index: SearchIndex, grouped: bool, **args: Any) -> list[Any]:
    """Every page of both searches, side by side (pages of 40, to cross group boundaries)."""
    memory = search_queries.search_service_groups if grouped else services
    sql = sql_search.search_service_groups if grouped else sql_search.search_services
    pages, page = [], 1
    while True:
        mine = memory(index, page=page, page_size=40, **args)
        theirs = await sql(db, index=index, page=page, page_size=40, **args)
        pages.append((mine, theirs))
        if len(theirs.items) < 40 or page == 6:
            return pages
        page += 1


@pytest.mark.parametrize("grouped", [False, True], ids=["services", "groups"])
@pytest.mark.parametrize("lang", ["id", "en"])
async def test_every_page_is_the_sql_searchs(
    db: asyncpg.Connection, index: SearchIndex, grouped: bool, lang: str
) -> None:
    compared = 0
    for query in QUERIES:
        for filters in FILTERS:
            for mine, theirs in await every_page(db, index, grouped, query=query, filters=filters, lang=lang):
                assert mine == theirs, (query, filters, mine.page)
                compared += len(theirs.items)
    assert compared > (1000 if grouped else 2000)  # the comparison saw real answers, not empty pages


async def test_the_region_path_and_the_regional_path_are_both_compared(index: SearchIndex) -> None:
    # The parametrised comparison above covers both ways of answering: by group and service by service.
    regional = index.plan("ktp banyumas")
    assert regional is not None and index.regional(regional)
    common = index.plan("usaha")
    assert common is not None and not index.regional(common)


async def test_each_services_vector_is_its_groups_with_its_regions_words(
    db: asyncpg.Connection, index: SearchIndex
) -> None:
    """The delta holds only region words (by construction of the search key): checked against every vector."""
    cat = index.catalogue
    rows = await db.fetch(
        """SELECT s.id, ARRAY(SELECT u.lexeme || ' ' || array_to_string(u.weights, '') FROM unnest(s.search_vector) u)
                  AS terms
           FROM catalogue_service s WHERE s.active"""
    )
    services = {s.id: s for code in cat.region_order for s in cat.services[code].by_key.values()}
    assert len(services) == len(rows) > 3000
    differing = 0
    for row in rows:
        own = {entry.partition(" ")[0]: pack(entry.partition(" ")[2]) for entry in row["terms"]}
        service = services[row["id"]]
        stems = set(own) | set(cat.groups[service.key].terms) | set(service.delta or {})
        assert {stem: cat.value(service, stem) for stem in stems if cat.value(service, stem)} == own
        differing += bool(service.delta)
    assert differing > 1000  # most services name their region; the rest share their representative's words


def same(a: Catalogue, b: Catalogue) -> None:
    def services(cat: Catalogue) -> dict[Any, Any]:
        return {
            s.id: (s.key, s.region, s.name_id, s.sla_days, s.fee, sorted((s.delta or {}).items()))
            for code in cat.region_order
            for s in cat.services[code].by_key.values()
        }

    assert services(a) == services(b)
    assert {k: (g.service, g.services) for k, g in a.groups.items()} == {
        k: (g.service, g.services) for k, g in b.groups.items()
    }
    assert a.region_order == b.region_order


async def test_a_change_reads_again_only_the_regions_it_named(rolled_back: asyncpg.Connection) -> None:
    db = rolled_back
    before = await load_index(db)
    # The representative of a group of a few regions leaves: the other regions' copies are measured against a new
    # representative. Another region renames a service, a third changes a fee.
    rep = await db.fetchrow(
        """SELECT s.id, s.region, s.search_key
           FROM catalogue_search_group g JOIN catalogue_service s ON s.id = g.service
           WHERE g.services BETWEEN 2 AND 6 ORDER BY g.key LIMIT 1"""
    )
    await db.execute("UPDATE catalogue_service SET active = false WHERE id = $1", rep["id"])
    renamed = await db.fetchval(
        "UPDATE catalogue_service SET name_id = name_id || ' Zq' WHERE id = (SELECT id FROM catalogue_service"
        " WHERE region = '3302' AND active ORDER BY code LIMIT 1) RETURNING region"
    )
    await db.execute("UPDATE catalogue_service SET fee = fee + 1000 WHERE region = '3374' AND code = 'akta-kelahiran'")
    partial = await load_index(db, previous=before, regions={rep["region"], renamed, "3374"})
    whole = await load_index(db)
    same(partial.catalogue, whole.catalogue)
    # Untouched regions are shared with the previous snapshot, not read again.
    untouched = [
        code
        for code in whole.catalogue.region_order
        if code not in {rep["region"], renamed, "3374"}
        and not any(s.key == rep["search_key"] for s in before.catalogue.services[code].by_key.values())
    ]
    assert len(untouched) > 10
    assert all(partial.catalogue.services[c] is before.catalogue.services[c] for c in untouched)
    found = services(partial, query="zq", filters=ServiceFilter(region="3302"), page_size=5)
    assert found.total == 1 and found.items[0].name.endswith("Zq")


async def test_a_change_between_loading_and_listening_is_not_missed(db: asyncpg.Connection, database_url: str) -> None:
    """A process loads the catalogue, then starts listening: a change in between must still reach its search
    (the listener's first connection reads again when the catalogue moved), and nothing is read again when it did
    not. A fee: in no search group's key or vector, so only reading the region again shows it."""
    runtime = CatalogueRuntime(database_url)
    await runtime.reload(db)
    loaded = runtime.index
    service = await db.fetchrow(
        "SELECT id, fee FROM catalogue_service WHERE region = '3302' AND active ORDER BY code LIMIT 1"
    )
    await db.execute("UPDATE catalogue_service SET fee = fee + 7 WHERE id = $1", service["id"])
    try:
        runtime.start()
        version = await db.fetchval("SELECT version FROM catalogue_version WHERE id = 1")
        deadline = time.monotonic() + 15
        while runtime.index is loaded or runtime.index.version < version:
            assert time.monotonic() < deadline, "the change made before listening never reached the search"
            await asyncio.sleep(0.05)
        listed = services(runtime.index, query=None, filters=ServiceFilter(region="3302"), page_size=100)
        assert {i.id: i.fee for i in listed.items}[service["id"]] == service["fee"] + 7
    finally:
        await runtime.stop()
        await db.execute("UPDATE catalogue_service SET fee = $2 WHERE id = $1", service["id"], service["fee"])

    quiet = CatalogueRuntime(database_url)
    await quiet.reload(db)
    before = quiet.index
    quiet.start()
    try:
        await asyncio.sleep(1)  # the listener connected and checked the version
        assert quiet.index is before  # nothing moved: nothing read again
    finally:
        await quiet.stop()


@pytest.mark.parametrize("lang", ["id", "en"])
def test_summaries_encoded_once_are_the_same_json(index: SearchIndex, lang: str) -> None:
    """The search keeps each summary encoded: the answer is, byte for byte, the ``ServiceList`` of its summaries."""
    filters = ServiceFilter(region="3302")
    found = search_queries.search_services(index, query="akta", filters=filters, lang=lang, page=1, page_size=20)  # type: ignore[arg-type]
    typed = services(index, query="akta", filters=filters, lang=lang)
    assert typed.items and typed.total == found.total
    assert msgspec.json.encode(found) == msgspec.json.encode(typed)


def test_the_kept_summaries_are_bounded(index: SearchIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_queries, "SUMMARIES_KEPT", 5)
    old = index.catalogue
    cat = Catalogue(regions=old.regions, agencies=old.agencies, groups=old.groups, services=old.services)
    fresh = SearchIndex(index.vocabulary, index.version, cat)
    for page in (1, 2, 3):
        listed = services(fresh, query=None, filters=ServiceFilter(region="3302"), page=page, page_size=4)
        expected = services(index, query=None, filters=ServiceFilter(region="3302"), page=page, page_size=4)
        assert listed == expected
        assert len(cat.derived(("summaries", "id"), dict)) <= 5
