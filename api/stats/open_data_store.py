"""Open data releases kept in PostgreSQL (``stats_open_data_release``, ``stats_open_data_file``), so that every API
process on every machine serves the same bytes with the same ETag, and a release survives restarts.

A release is written in one transaction (its package and all its files, or nothing), and readers only ever see
whole releases. The newest ``keep`` releases are kept; older ones are deleted with their files.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import asyncpg

from api.stats.open_data import Release


@dataclass(frozen=True)
class StoredFile:
    version: str
    name: str
    content: bytes
    sha256: str


async def save(conn: asyncpg.Connection, release: Release, *, keep: int) -> bool:
    """Store ``release`` (False when that version already exists: the first writer wins) and delete all but the
    newest ``keep`` releases."""
    async with conn.transaction():
        created = await conn.fetchval(
            """INSERT INTO stats_open_data_release (version, created_at, datapackage) VALUES ($1, now(), $2::jsonb)
               ON CONFLICT (version) DO NOTHING RETURNING true""",
            release.version,
            json.dumps(release.datapackage),
        )
        if not created:
            return False
        await conn.executemany(
            """INSERT INTO stats_open_data_file (version, name, content, sha256, bytes, rows)
               VALUES ($1, $2, $3, $4, $5, $6)""",
            [(release.version, f.name, f.content, f.sha256, len(f.content), f.rows) for f in release.files],
        )
        await conn.execute(
            """DELETE FROM stats_open_data_release WHERE version NOT IN
                   (SELECT version FROM stats_open_data_release ORDER BY version DESC LIMIT $1)""",
            keep,
        )
    return True


async def latest_version(conn: asyncpg.Connection) -> str | None:
    version: str | None = await conn.fetchval("SELECT max(version) FROM stats_open_data_release")
    return version


async def versions(conn: asyncpg.Connection) -> list[str]:
    return [r["version"] for r in await conn.fetch("SELECT version FROM stats_open_data_release ORDER BY version")]


async def fetch_package(conn: asyncpg.Connection, version: str) -> dict[str, Any] | None:
    """The stored data package of ``version`` (None: no such release)."""
    raw = await conn.fetchval("SELECT datapackage FROM stats_open_data_release WHERE version = $1", version)
    if raw is None:
        return None
    package: dict[str, Any] = json.loads(raw)
    return package


async def fetch_file(conn: asyncpg.Connection, version: str, name: str) -> StoredFile | None:
    row = await conn.fetchrow(
        "SELECT version, name, content, sha256 FROM stats_open_data_file WHERE version = $1 AND name = $2",
        version,
        name,
    )
    return StoredFile(**dict(row)) if row else None


async def released_on(conn: asyncpg.Connection, version: str) -> dt.datetime | None:
    created: dt.datetime | None = await conn.fetchval(
        "SELECT created_at FROM stats_open_data_release WHERE version = $1", version
    )
    return created
