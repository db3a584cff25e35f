"""Throw-away databases on the test server: one per session (conftest.py), or one per test for processes that
must not share the app's (the worker tests in tests/notifications/test_worker_failures.py)."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit, urlunsplit

import asyncpg


def with_database(url: str, name: str) -> str:
    """The same server URL pointing at another database (works for host:port and socket URLs)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


async def create_database(server: str, prefix: str = "mpp_test") -> str:
    """An empty database with a random name on ``server``; returns its URL. The migrations build the schema."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return with_database(server, name)


async def drop_database(server: str, url: str) -> None:
    """Drop the database of ``url``, ending any connection a killed process left behind (FORCE)."""
    name = urlsplit(url).path.lstrip("/")
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
