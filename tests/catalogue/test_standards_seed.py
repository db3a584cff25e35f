"""The data files are every standard's version 1: written by the seed, and by the start-up backfill into catalogues
seeded before standards had versions."""

from __future__ import annotations

import asyncpg

from api.catalogue.datafiles import load
from api.catalogue.seed import SEED_REASON, backfill_versions


async def test_the_seed_wrote_version_1_of_every_standard(db: asyncpg.Connection) -> None:
    data = load()
    rows = await db.fetch(
        "SELECT region, code, author, author_name, reason FROM catalogue_service_version WHERE version = 1"
    )
    seeded = {(r["region"], r["code"]) for r in rows if r["reason"] == SEED_REASON}
    assert {(None, s.code) for s in data.services} <= seeded  # national standards once, region null
    assert {(r.code, s.code) for r in data.regions for s in r.local_services} <= seeded
    assert all(r["author"] is None and r["author_name"] == "" for r in rows if r["reason"] == SEED_REASON)
    national = {s.code for s in data.services}
    flags = await db.fetch("SELECT code, national FROM catalogue_service WHERE region = '3302'")
    assert {r["code"] for r in flags if r["national"]} <= national
    assert {r["code"] for r in flags if not r["national"]} & national == set()


async def test_an_older_catalogue_gets_its_versions_at_start(db: asyncpg.Connection) -> None:
    # As a catalogue seeded before versions existed: no version rows and no national flags for some services. In a
    # transaction rolled back at the end (the session's catalogue stays as the other tests expect it); the trigger
    # that keeps versions append-only is switched off inside it only.
    transaction = db.transaction()
    await transaction.start()
    try:
        await db.execute("ALTER TABLE catalogue_service_version DISABLE TRIGGER USER")
        await db.execute(
            """DELETE FROM catalogue_service_version
               WHERE author IS NULL AND (code = 'skhpn' OR region = '3302') AND version = 1
                 AND NOT EXISTS (SELECT 1 FROM catalogue_service_version v2
                                 WHERE v2.code = catalogue_service_version.code AND v2.version > 1)"""
        )
        await db.execute("ALTER TABLE catalogue_service_version ENABLE TRIGGER USER")
        await db.execute("UPDATE catalogue_service SET national = false WHERE code = 'skhpn'")
        added = await backfill_versions(db)
        assert added >= 3  # skhpn, and Banyumas's own services
        assert (
            await db.fetchval(
                "SELECT reason FROM catalogue_service_version WHERE region IS NULL AND code = 'skhpn' AND version = 1"
            )
            == SEED_REASON
        )
        assert await db.fetchval("SELECT bool_and(national) FROM catalogue_service WHERE code = 'skhpn'") is True
        assert await backfill_versions(db) == 0  # idempotent: the next start writes nothing
    finally:
        await transaction.rollback()
