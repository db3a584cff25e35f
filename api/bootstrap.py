"""Bringing a database to a servable state: migrations, then the demo data on first start."""

from __future__ import annotations

import logging

import asyncpg

from api.catalogue.seed import catalogue_is_empty, seed_catalogue
from api.lib.db import MIGRATION_LOCK_KEY, migrate

log = logging.getLogger(__name__)


async def prepare_database(dsn: str, *, seed_demo_if_empty: bool) -> None:
    """Migrate, and seed the demo catalogue if the database has none yet.

    Several API processes may start at once against one database: the seeding check runs under the same
    advisory lock as the migrations (taken again here, after migrate() released it), so exactly one of
    them seeds.
    """
    await migrate(dsn)
    if not seed_demo_if_empty:
        return
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
        if await catalogue_is_empty(conn):
            report = await seed_catalogue(conn)
            log.info(
                "demo catalogue loaded: %s regions, %s agencies, %s services",
                report.regions,
                report.agencies,
                report.services,
            )
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
        await conn.close()
