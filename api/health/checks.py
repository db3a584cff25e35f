"""What readiness checks: each dependency alone, bounded in time, named in the answer when it fails.

Only the database decides readiness (CONTRACT: 200 while it answers, 503 otherwise); the others are reported so
that an operator reading the probe's body sees which dependency went away: the read replica (when configured),
the blob store, and migrations the code knows of that the database has not run (a process started before a
release whose migrations another process applied, or the reverse).
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Awaitable
from pathlib import Path

from api.lib import db
from api.lib.blobs import BlobStore

OK = "ok"
UNREACHABLE = "unreachable"
# A probe must answer within a load balancer's timeout, whichever dependency hangs.
TIMEOUT_SECONDS = 2.0
# A key no document has (documents' keys are uuids): asking whether it exists costs the store one look-up.
_PROBE_KEY = "health/ready"
_MIGRATIONS = Path(__file__).resolve().parent.parent.parent / "migrations"
_MIGRATION_ID = re.compile(r'^ID = "([^"]+)"', re.MULTILINE)


async def _bounded(check: Awaitable[str]) -> str:
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS):
            return await check
    except Exception:  # any failure of a dependency is its being unreachable, for a probe
        return UNREACHABLE


async def _database() -> str:
    async with db.pool().acquire() as conn:
        await conn.fetchval("SELECT 1")
    return OK


async def _replica() -> str:
    # Hook: lib.db keeps its replica pool private; once it exposes it as replica_pool(), it is checked here.
    replica_pool = getattr(db, "replica_pool", None)
    pool = replica_pool() if callable(replica_pool) else None
    if pool is None:
        return "not_checked"
    async with pool.acquire() as conn:
        await conn.fetchval("SELECT 1")
    return OK


async def _blobs(store: BlobStore) -> str:
    await store.exists(_PROBE_KEY)
    return OK


@functools.cache
def known_migrations() -> frozenset[tuple[str, str]]:
    """(app, migration id) of every migration file this code ships (read once: they do not change while it runs)."""
    found = set()
    for path in _MIGRATIONS.glob("*/*.py"):
        match = _MIGRATION_ID.search(path.read_text(encoding="utf-8"))
        if match:
            found.add((path.parent.name, match.group(1)))
    return frozenset(found)


async def _migrations() -> str:
    async with db.pool().acquire() as conn:
        rows = await conn.fetch("SELECT app_name, name FROM migration")
    pending = known_migrations() - {(row["app_name"], row["name"]) for row in rows}
    return OK if not pending else f"{len(pending)} pending"


async def run(*, blobs: BlobStore, replica_configured: bool) -> dict[str, str]:
    """Each check's outcome by name: "ok", "unreachable", or what is wrong ("3 pending")."""
    names = ["database", "blobs", "migrations"]
    checks = [_database(), _blobs(blobs), _migrations()]
    if replica_configured:
        names.append("replica")
        checks.append(_replica())
    results = await asyncio.gather(*(_bounded(check) for check in checks))
    return dict(zip(names, results, strict=True))
