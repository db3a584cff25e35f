"""Hand-written: the open data releases (api/stats/open_data_store.py), kept in the database so that every API process
on every machine serves the same bytes. A release and its files are written in one transaction; deleting a release
deletes its files. Not Piccolo tables: nothing but the store reads them, by hand-written SQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T09:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "open data releases and their files"

SQL = """
CREATE TABLE stats_open_data_release (
    version text PRIMARY KEY CHECK (version ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    datapackage jsonb NOT NULL
);
CREATE TABLE stats_open_data_file (
    version text NOT NULL REFERENCES stats_open_data_release (version) ON DELETE CASCADE,
    name text NOT NULL CHECK (name ~ '^[a-z_]{1,40}$'),
    content bytea NOT NULL,
    sha256 char(64) NOT NULL,
    bytes bigint NOT NULL CHECK (bytes >= 0),
    rows integer NOT NULL CHECK (rows >= 0),
    PRIMARY KEY (version, name)
);
"""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="stats", description=DESCRIPTION)

    async def run() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.current_transaction.get().connection.execute(SQL)

    manager.add_raw(run)
    return manager
