"""Hand-written: the erasure record is append-only — the database itself refuses UPDATE and DELETE."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T16:26:17:000000"
VERSION = "1.38.0"
DESCRIPTION = "accounts_erasure is append-only"

SQL = """
CREATE FUNCTION accounts_erasure_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'accounts_erasure is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER accounts_erasure_append_only_trg BEFORE UPDATE OR DELETE OR TRUNCATE ON accounts_erasure
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_erasure_append_only();
-- The erasure job's look-up: accounts waiting for erasure, oldest request first.
CREATE INDEX accounts_account_deletion_idx ON accounts_account (deletion_requested_at)
    WHERE status = 'deletion_requested';
"""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="accounts", description=DESCRIPTION)

    async def run() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.current_transaction.get().connection.execute(SQL)

    manager.add_raw(run)
    return manager
