"""The database: where it is, migrating it, and the connection pool.

``Database`` owns the embedded PostgreSQL when there is one, so that whoever starts the database (the app's
lifespan, a CLI command, the test suite) also stops it.

Three addresses (docs/operations.md, "Running with PgBouncer and a read replica"): the request pool's
(``DATABASE_URL``, which may be PgBouncer in transaction mode), the primary's own (``DATABASE_DIRECT_URL``: what
needs a session — migrations, LISTEN, session advisory locks, the background loops' connections), and a streaming
replica's (``DATABASE_REPLICA_URL``) for reads that may lag, taken with ``replica_connection()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
from collections.abc import AsyncIterator
from contextvars import ContextVar
from typing import Any

import asyncpg

from api.config import DatabaseSettings, Settings
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


# Set only while a ``connection(stateless=True)`` block that ended normally gives its connection back: the pool's
# reset (``_reset``) then skips asyncpg's reset query. Anything else, an error included, gets the full reset.
_SKIP_RESET: ContextVar[bool] = ContextVar("mpp_skip_reset", default=False)


@contextlib.asynccontextmanager
async def connection(*, stateless: bool = False) -> AsyncIterator[asyncpg.Connection]:
    """A pooled connection for the block. ``stateless``: the caller promises its statements leave nothing in the
    session (no SET, LISTEN, session advisory lock, cursor or temporary table), so the connection goes back without
    asyncpg's reset query — a round trip and four statements (``SELECT pg_advisory_unlock_all(); CLOSE ALL;
    UNLISTEN *; RESET ALL``) that cost a hot route like the token endpoint about a tenth of its database time. An
    open transaction is still rolled back (asyncpg does that before any reset)."""
    p = pool()
    conn = await p.acquire(timeout=ACQUIRE_TIMEOUT_SECONDS)
    clean = False
    try:
        yield conn
        clean = stateless
    finally:
        skipping = _SKIP_RESET.set(clean)
        try:
            await p.release(conn)
        finally:
            _SKIP_RESET.reset(skipping)


# The replica's pool (Database.start_pool, when DATABASE_REPLICA_URL is set); None: every read goes to the primary.
_replica: asyncpg.Pool | None = None
# A replica that does not answer is not waited for as long as the primary: its reads can go to the primary.
REPLICA_ACQUIRE_TIMEOUT_SECONDS = 2
_UNREACHABLE = (OSError, TimeoutError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError)


@contextlib.asynccontextmanager
async def replica_connection() -> AsyncIterator[asyncpg.Connection]:
    """A connection for reads that may lag a little (the public catalogue, dashboards, open data, public boards):
    the replica's when one is configured and reachable, else the primary's. Never for a read that must see the
    caller's own write (my applications after a submit, the inbox after a decision) nor inside a write."""
    replica = _replica
    if replica is not None:
        try:
            conn = await replica.acquire(timeout=REPLICA_ACQUIRE_TIMEOUT_SECONDS)
        except _UNREACHABLE as exc:
            log.warning("replica unreachable, reading from the primary: %s", exc)
        else:
            try:
                yield conn
            finally:
                await replica.release(conn)
            return
    async with connection() as conn:
        yield conn


def replica_pool() -> asyncpg.Pool | None:
    """The replica's pool when one is configured (for the pool metrics), else None."""
    return _replica


def has_replica() -> bool:
    """Whether reads through ``replica_connection()`` may go to a replica (and so may lag)."""
    return _replica is not None


async def replica_caught_up(*, within: float = 5.0) -> bool:
    """Wait (at most ``within`` seconds) until the replica has replayed everything the primary has written so far;
    True at once without a replica. A process that hears a NOTIFY calls this before re-reading through the replica,
    so that what it then caches is not older than the change it was told about."""
    if _replica is None:
        return True
    async with connection() as conn:
        lsn = await conn.fetchval("SELECT pg_current_wal_lsn()::text")
    deadline = asyncio.get_running_loop().time() + within
    while True:
        # NULL when the "replica" is not in recovery (or the read fell back to the primary): nothing to wait for.
        async with replica_connection() as conn:
            if await conn.fetchval("SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, true)", lsn):
                return True
        if asyncio.get_running_loop().time() > deadline:
            log.warning("replica still behind %s after %.1fs: reading it anyway", lsn, within)
            return False
        await asyncio.sleep(0.02)


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


# Applied to every session of the request pool when it connects straight to PostgreSQL. Behind PgBouncer these
# startup parameters are refused (only application_name and a few others pass), so they are set on the role or
# database instead (ALTER ROLE … SET, docs/operations.md) and checked at start (``_check_session_defaults``).
SESSION_SETTINGS = {
    # Bound every query: a stuck statement must not hold a request (and a pool slot) forever.
    "statement_timeout": "15000",
    # asyncpg prepares every statement, and PostgreSQL may switch a statement to a generic plan after five runs:
    # planning every statement afresh (force_custom_plan) cost submit ~30 % of its throughput (bench/scale_bench.py:
    # 184 → 262/s). Queries with optional filters build their SQL from the filters present, so no generic plan has
    # to cover "$1 IS NULL OR …".
    "plan_cache_mode": "auto",
    # JIT compilation pays off for long analytical queries, not ours: it added ~17 ms to the inbox at 5M
    # applications (bench/scale_bench.py). Behind PgBouncer it matters twice: asyncpg's type introspection turns
    # jit off and back on with session-level set_config, which a transaction pooler may run on different servers.
    "jit": "off",
}


async def _reset(conn: asyncpg.Connection) -> None:
    """asyncpg's own reset (its reset query), unless the connection comes back from a ``connection(stateless=True)``
    block. Run by the pool inside its release, in a task that copies the releasing task's context variables; in any
    other context the flag reads False and the full reset runs, so a mistake here costs time, never state."""
    if _SKIP_RESET.get():
        return
    query = conn.get_reset_query()
    if query:
        await conn.execute(query)


async def _no_reset(_conn: asyncpg.Connection) -> None:
    """Behind a transaction pooler the server session a pooled connection last used is not ours to reset: asyncpg's
    RESET ALL would wipe settings on whichever server took it (and costs a round trip per request)."""


def pool_options(settings: DatabaseSettings) -> dict[str, Any]:
    """asyncpg pool arguments for the request pool (and the replica's) of these settings."""
    options: dict[str, Any] = {
        "min_size": settings.pool_min,
        "max_size": settings.pool_max,
        # Connections are recycled so that a restarted PostgreSQL does not leave the pool holding dead sockets long.
        "max_inactive_connection_lifetime": 300,
        "timeout": 5,
    }
    if settings.pooler == "pgbouncer":
        # PgBouncer 1.18 in transaction mode gives each transaction (each statement outside one) any server session:
        # a named prepared statement made on one is missing on the next. With no cache asyncpg uses the unnamed
        # statement, parsed and executed within one Sync, i.e. one pooler transaction.
        options.update(statement_cache_size=0, reset=_no_reset, server_settings={"application_name": "mpp-digital"})
    else:
        options.update(reset=_reset, server_settings={**SESSION_SETTINGS, "application_name": "mpp-digital"})
    return options


async def _check_session_defaults(conn: asyncpg.Connection) -> None:
    """Behind a pooler the session settings come from the role or database: say so at start if they are missing."""
    for name, wanted in SESSION_SETTINGS.items():
        found = await conn.fetchval("SELECT current_setting($1)", name)
        if name == "statement_timeout" and found in ("0", "0ms"):
            log.warning("statement_timeout is off through the pooler: ALTER ROLE … SET statement_timeout = '15s'")
        elif name != "statement_timeout" and found != wanted:
            log.warning(
                "%s is %s through the pooler (want %s): ALTER ROLE … SET %s = %s", name, found, wanted, name, wanted
            )


class Database:
    """Start/stop of the database for one process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.embedded: EmbeddedPostgres | None = None
        # ``dsn``: a session of one's own on the primary (migrations, LISTEN, session locks, background loops);
        # ``pool_dsn``: the request pool's address (the pooler's, with one).
        self.dsn: str = settings.db.direct_url or settings.db.url
        self.pool_dsn: str = settings.db.url

    async def connect(self) -> str:
        """Make the database reachable (starting the embedded server if configured) and return the DSN of a session
        of one's own on the primary (the direct address, not the pooler's)."""
        if self.settings.db.embedded and self.embedded is None:
            self.embedded = EmbeddedPostgres(self.settings.data_dir)
            self.dsn = self.pool_dsn = await asyncio.to_thread(self.embedded.start)
        # Piccolo's own queries before the pool exists (the migrations) need a session: the direct address.
        configure(self.dsn)
        return self.dsn

    async def start_pool(self) -> None:
        global _replica
        options = pool_options(self.settings.db)
        eng = engine()
        eng.config = {"dsn": self.pool_dsn}
        await eng.start_connection_pool(**options)
        if self.settings.db.pooler:
            async with connection() as conn:
                await _check_session_defaults(conn)
        if self.settings.db.replica_url:
            # Created lazily by asyncpg (min_size 0): a replica that is down at start only sends reads to the primary.
            _replica = asyncpg.create_pool(self.settings.db.replica_url, **{**options, "min_size": 0})
            await _replica

    async def close_pool(self) -> None:
        global _replica
        eng = engine()
        if eng.pool is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(eng.pool.close(), timeout=5)
            eng.pool = None
        if _replica is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(_replica.close(), timeout=5)
            _replica = None

    def stop_embedded(self) -> None:
        if self.embedded is not None:
            self.embedded.stop()
            self.embedded = None

    async def stop(self) -> None:
        await self.close_pool()
        await asyncio.to_thread(self.stop_embedded)
