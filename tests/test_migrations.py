"""The migrations build the whole schema from an empty database, and agree with the table classes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from piccolo.apps.migrations.commands.new import AutoMigrationManager
from piccolo.conf.apps import Finder

from tests.support.database import create_database, drop_database

MPP = str(Path(sys.executable).parent / "mpp")

# Columns and objects that hand-written SQL migrations add on purpose (Piccolo cannot express them).
RAW_COLUMNS = {
    ("catalogue_service", "search_vector"),
    ("catalogue_service", "search_key"),  # the service's search group (catalogue migration 2026-12-06T11:21)
    # The writing transaction's id, read by the figures' consumer (xid8: Piccolo has no such column).
    ("applications_event", "xid"),
    ("queue_ticket_event", "xid"),
    ("feedback_complaint_event", "xid"),
}
RAW_CONSTRAINTS = {
    "catalogue_agency_region_code_key",
    "catalogue_service_region_code_key",
    "catalogue_counter_mpp_number_key",
    "catalogue_service_requirement_key",
    "catalogue_service_channels_check",
    "accounts_account_nik_check",
    "accounts_mandate_status_check",
    "catalogue_region_kind_check",
    "stats_application_fact_key",
    "stats_queue_fact_key",
}
RAW_TRIGGERS = {
    "catalogue_service_search_vector_trg",
    "catalogue_agency_reindex_trg",
    "catalogue_service_touch_trg",
}

# Piccolo column class → information_schema data_type
PG_TYPES = {
    "Varchar": "character varying",
    "Text": "text",
    "UUID": "uuid",
    "Integer": "integer",
    "SmallInt": "smallint",
    "BigInt": "bigint",
    "Serial": "integer",
    "Boolean": "boolean",
    "Timestamptz": "timestamp with time zone",
    "JSONB": "jsonb",
    "Array": "ARRAY",
    "DoublePrecision": "double precision",
    "Bytea": "bytea",
    "BigSerial": "bigint",
    "Date": "date",
}


def _tables() -> list[type]:
    return [t for app in Finder().get_app_registry().app_configs.values() for t in app.table_classes]


@pytest.fixture
async def empty_database(server_url: str) -> AsyncIterator[str]:
    url = await create_database(server_url, prefix="mpp_migr")
    try:
        yield url
    finally:
        await drop_database(server_url, url)


def start_migrate(url: str, data_dir: Path) -> subprocess.Popen[str]:
    """`mpp migrate` in its own process, as an operator (or a starting API process) would run it."""
    env = {**os.environ, "DATABASE_URL": url, "MPP_DATA_DIR": str(data_dir)}
    return subprocess.Popen([MPP, "migrate"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def migrate(url: str, data_dir: Path) -> None:
    process = start_migrate(url, data_dir)
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output


async def test_migrations_build_schema_from_empty(empty_database: str, tmp_path: Path) -> None:
    migrate(empty_database, tmp_path)
    conn = await asyncpg.connect(empty_database)
    try:
        columns = {
            (r["table_name"], r["column_name"]): (r["data_type"], r["is_nullable"] == "YES")
            for r in await conn.fetch(
                "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
                "WHERE table_schema = 'public'"
            )
        }
        expected = set()
        for table in _tables():
            name = table._meta.tablename
            for column in table._meta.columns:
                key = (name, column._meta.db_column_name)
                expected.add(key)
                assert key in columns, f"{key} is defined in the tables but no migration creates it"
                data_type, nullable = columns[key]
                kind = "ForeignKey" if column.__class__.__name__ == "ForeignKey" else column.__class__.__name__
                if kind != "ForeignKey":
                    assert data_type == PG_TYPES[kind], f"{key}: {data_type} in the database, {kind} in the table"
                assert nullable == column._meta.null, f"{key}: nullability differs"
        ours = {k for k in columns if k[0] in {t._meta.tablename for t in _tables()}}
        assert ours - expected == RAW_COLUMNS
        constraints = {r["conname"] for r in await conn.fetch("SELECT conname FROM pg_constraint")}
        assert constraints >= RAW_CONSTRAINTS
        triggers = {r["tgname"] for r in await conn.fetch("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")}
        assert triggers >= RAW_TRIGGERS
        assert await conn.fetchval("SELECT version FROM catalogue_version WHERE id = 1") == 1
        # Applying them again is a no-op.
        ran = await conn.fetchval("SELECT count(*) FROM migration")
    finally:
        await conn.close()
    migrate(empty_database, tmp_path)
    conn = await asyncpg.connect(empty_database)
    try:
        assert await conn.fetchval("SELECT count(*) FROM migration") == ran
    finally:
        await conn.close()


async def test_concurrent_migrations_apply_once(empty_database: str, tmp_path: Path) -> None:
    """Several processes starting together: the advisory lock lets exactly one migrate."""
    processes = [start_migrate(empty_database, tmp_path) for _ in range(3)]
    for process in processes:
        output, _ = process.communicate(timeout=120)
        assert process.returncode == 0, output
    conn = await asyncpg.connect(empty_database)
    try:
        names = [(r["app_name"], r["name"]) for r in await conn.fetch("SELECT app_name, name FROM migration")]
    finally:
        await conn.close()
    assert len(names) == len(set(names)) > 0


async def test_tables_and_migrations_agree() -> None:
    """No drift: Piccolo's auto-migration finds nothing to generate for any app."""
    for app_config in Finder().get_app_registry().app_configs.values():
        statements = await AutoMigrationManager(auto_input="y").get_alter_statements(app_config=app_config)
        pending = [s for group in statements for s in group.statements]
        assert pending == [], f"{app_config.app_name}: tables changed without a migration: {pending}"
