"""The database: where it is, migrating it, and the connection pool.

``Database`` owns the embedded PostgreSQL when there is one, so that whoever starts the database (the app's
lifespan, a CLI command, the test suite) also stops it.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
from collections.abc import AsyncIterator
from typing import Any

import asyncpg

from api.config import Settings
from api.lib.embedded_pg import EmbeddedPostgres

log = logging.getLogger(__name__)

# pg_advisory_lock key: "mpp migrate" as an int64. Serialises migrations across processes and machines,
# because Piccolo's forwards() takes no lock of its own.
MIGRATION_LOCK_KEY = 0x6D70705F6D696772


def engine() -> Any:
    """The Piccolo engine of api.piccolo_conf (imported late: Piccolo reads PICCOLO_CONF at import)."""
    from api.piccolo_conf import DB

    return DB


def configure(dsn: str) -> None:
    """Point Piccolo at the database. Must run before any query (and before piccolo_conf is imported)."""
    os.environ["MPP_DATABASE_DSN"] = dsn
    engine().config = {"dsn": dsn}


def pool() -> asyncpg.Pool:
    """The running asyncpg pool (created by Database.start)."""
    p = engine().pool
    if p is None:
        raise RuntimeError("the database pool is not running")
    return p


# How long a request waits for a free pooled connection. Without a bound, a request would wait for ever when
# every connection is busy or the database hangs; past it, the request is answered 503 (api.lib.errors maps the
# pool's TimeoutError, as every other sign of an unreachable database, in one place).
ACQUIRE_TIMEOUT_SECONDS = 10


@contextlib.asynccontextmanager
async def connection() -> AsyncIterator[asyncpg.Connection]:
    async with pool().acquire(timeout=ACQUIRE_TIMEOUT_SECONDS) as conn:
        yield conn


async def migrate(dsn: str) -> None:
    """Apply every pending migration of every app, once, even with several processes starting together."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    lock_conn = await asyncpg.connect(dsn)
    try:
        await lock_conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
        # Piccolo prints progress with emoji to stdout; keep it in our log instead.
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            result = await run_forwards(app_name="all")
        for line in out.getvalue().splitlines():
            if line.strip():
                log.debug("migrate: %s", line.strip())
        if not result.success:
            raise RuntimeError(f"migrations failed: {result.message}")
        applied = out.getvalue().count("[forwards]")
        if applied:
            log.info("migrations: %s applied", applied)
        else:
            log.info("migrations: up to date")
    finally:
        with contextlib.suppress(Exception):
            await lock_conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
        await lock_conn.close()


class Database:
    """Start/stop of the database for one process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.embedded: EmbeddedPostgres | None = None
        self.dsn: str = settings.db.url

    async def connect(self) -> str:
        """Make the database reachable (starting the embedded server if configured) and return its DSN."""
        if self.settings.db.embedded and self.embedded is None:
            self.embedded = EmbeddedPostgres(self.settings.data_dir)
            self.dsn = await asyncio.to_thread(self.embedded.start)
        configure(self.dsn)
        return self.dsn

    async def start_pool(self) -> None:
        await engine().start_connection_pool(
            min_size=self.settings.db.pool_min,
            max_size=self.settings.db.pool_max,
            # Connections are recycled so that a restarted PostgreSQL does not leave the pool holding dead
            # sockets for long.
            max_inactive_connection_lifetime=300,
            # Bound every query: a stuck statement must not hold a request (and a pool slot) forever.
            server_settings={
                "statement_timeout": "15000",
                "application_name": "mpp-digital",
                # asyncpg prepares every statement, and PostgreSQL may switch a statement to a generic plan
                # after five runs: planning every statement afresh (force_custom_plan) cost submit ~30 % of
                # its throughput (bench/scale_bench.py: 184 → 262/s). Queries with optional filters build
                # their SQL from the filters present, so no generic plan has to cover "$1 IS NULL OR …".
                "plan_cache_mode": "auto",
                # JIT compilation pays off for long analytical queries, not ours: it added ~17 ms to the inbox
                # at 5M applications (bench/scale_bench.py).
                "jit": "off",
            },
            timeout=5,
        )

    async def close_pool(self) -> None:
        eng = engine()
        if eng.pool is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(eng.pool.close(), timeout=5)
            eng.pool = None

    def stop_embedded(self) -> None:
        if self.embedded is not None:
            self.embedded.stop()
            self.embedded = None

    async def stop(self) -> None:
        await self.close_pool()
        await asyncio.to_thread(self.stop_embedded)
