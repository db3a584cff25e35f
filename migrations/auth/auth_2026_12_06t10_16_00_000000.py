"""Hand-written: every API process keeps the sessions it saw alive for a while (api/lib/auth.py); a revoked or
deleted session is announced on ``session_revoked`` by the transaction that ends it, whichever code path does, so
that every process forgets it when that transaction commits."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T10:16:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "announce revoked sessions"

SQL = """
CREATE FUNCTION auth_session_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('session_revoked', OLD.id::text);
    RETURN NULL;
END $$;
CREATE TRIGGER auth_session_revoked_update AFTER UPDATE OF revoked_at ON auth_session
    FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
    EXECUTE FUNCTION auth_session_revoked();
CREATE TRIGGER auth_session_revoked_delete AFTER DELETE ON auth_session
    FOR EACH ROW EXECUTE FUNCTION auth_session_revoked();
"""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="auth", description=DESCRIPTION)

    async def run() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.current_transaction.get().connection.execute(SQL)

    manager.add_raw(run)
    return manager
