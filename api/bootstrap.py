"""Bringing a database to a servable state: migrations, then the demo data on first start."""

from __future__ import annotations

import logging

import asyncpg

from api.calendar.service import seed_national_days
from api.catalogue.seed import backfill_versions, catalogue_is_empty, seed_catalogue
from api.lib.db import MIGRATION_LOCK_KEY, migrate

log = logging.getLogger(__name__)


async def prepare_database(dsn: str, *, seed_demo_if_empty: bool) -> None:
    """Migrate, and seed the demo catalogue if the database has none yet.

    Several API processes may start at once against one database: the seeding check runs under the same
    advisory lock as the migrations (taken again here, after migrate() released it), so exactly one of
    them seeds. A catalogue seeded before service standards had versions gets its version 1 rows (and
    ``national`` flags) from the data files, under the same lock, whether or not demo seeding is on.
    """
    await migrate(dsn)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
        if await catalogue_is_empty(conn):
            if seed_demo_if_empty:
                report = await seed_catalogue(conn)
                log.info(
                    "demo catalogue loaded: %s regions, %s agencies, %s services",
                    report.regions,
                    report.agencies,
                    report.services,
                )
        elif added := await backfill_versions(conn):
            log.info("service standards: %s version 1 rows added from the data files", added)
        # The national days off are real data, not demo data: each year of the shipped decrees not yet in the
        # database is loaded (the first start, and a database from before the days lived in it).
        if days := await seed_national_days(conn):
            log.info("calendar: %s national days off loaded from the shipped decrees", days)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
        await conn.close()
