"""The request pool skips asyncpg's reset query on release (a round trip per request, ~15 % of a cold catalogue read's
CPU): that is safe only while no request leaves session state on a pooled connection. These tests keep it so.

What asyncpg still does on release (``Connection._reset``) is checked against a real pool: a transaction left open
is rolled back. What it no longer does (RESET ALL, UNLISTEN *, advisory unlock, CLOSE ALL) is checked on the
source: session-level SET, LISTEN and session advisory locks appear only where a connection of its own is opened.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import asyncpg

from api.config import Settings
from api.lib.db import _no_reset, pool_options

API = Path(__file__).resolve().parent.parent / "api"
# Modules that hold session state on connections they open themselves (asyncpg.connect), never the pool's.
OWN_CONNECTIONS = {
    "bootstrap.py": "the migration lock around the demo seeding",
    "lib/db.py": "the migration lock",
}
SESSION_STATE = re.compile(
    r"pg_advisory_lock\(|pg_try_advisory_lock\(|(?-i:\bLISTEN\s+[a-z_\x27\"]+)|set_config\([^)]*,\s*false\)|"
    r"(?:^|;)\s*SET\s+(?!LOCAL\b)(?:SESSION\s+)?[a-z_]+\s*(?:=|TO)",
    re.IGNORECASE,
)


def test_the_pool_skips_the_reset_query_with_or_without_a_pooler(settings: Settings) -> None:
    assert pool_options(settings.db)["reset"] is _no_reset
    pooled = dataclasses.replace(settings.db, pooler="pgbouncer", direct_url="postgresql://postgres@primary/mpp")
    assert pool_options(pooled)["reset"] is _no_reset


def _sql_strings(tree: ast.Module) -> list[tuple[int, str]]:
    """Every string literal of a module but its docstrings (the SQL is in those strings; prose is not)."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def test_no_request_code_leaves_session_state_on_a_pooled_connection() -> None:
    offenders = []
    for path in sorted(API.rglob("*.py")):
        relative = str(path.relative_to(API))
        if relative in OWN_CONNECTIONS:
            continue
        for number, text in _sql_strings(ast.parse(path.read_text(), relative)):
            if SESSION_STATE.search(text):
                offenders.append(f"{relative}:{number}: {text.strip()[:80]}")
    assert offenders == []


def test_the_pattern_catches_what_it_names() -> None:
    for line in (
        'await conn.execute("SELECT pg_advisory_lock($1)", key)',
        "SET statement_timeout = 0",
        "BEGIN; SET SESSION work_mem TO '64MB'",
        "SELECT set_config('jit', 'off', false)",
        "LISTEN outbox",
    ):
        assert SESSION_STATE.search(line), line
    for line in (
        "BEGIN; SET LOCAL synchronous_commit = off; COMMIT",
        "SELECT pg_advisory_xact_lock($1)",
        "UPDATE t SET a = 1",
    ):
        assert not SESSION_STATE.search(line), line


async def test_a_transaction_left_open_is_rolled_back_on_release(settings: Settings, database_url: str) -> None:
    options = {**pool_options(settings.db), "min_size": 1, "max_size": 1}
    pool = await asyncpg.create_pool(database_url, **options)
    try:
        async with pool.acquire() as conn:
            await conn.execute("BEGIN")
            await conn.execute("CREATE TEMP TABLE left_open (x int)")
        async with pool.acquire() as conn:  # the same session: max_size 1
            assert await conn.fetchval("SELECT to_regclass('pg_temp.left_open')") is None
            assert not conn.is_in_transaction()
            # The session's own start-up settings survive (they are not reset, and need not be).
            assert await conn.fetchval("SHOW jit") == "off"
    finally:
        await pool.close()
