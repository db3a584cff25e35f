"""Hand-written: the SP4N-LAPOR! status pull finds its due complaints (open, forwarded, checked longest ago)
through a small partial index instead of reading every complaint each round."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T06:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "index for the SP4N-LAPOR! status pull"

SQL = """
CREATE INDEX feedback_complaint_lapor_pull_idx ON feedback_complaint (lapor_checked_at NULLS FIRST, id)
    WHERE lapor_id IS NOT NULL AND status <> 'closed';
"""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="feedback", description=DESCRIPTION)

    async def run() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.current_transaction.get().connection.execute(SQL)

    manager.add_raw(run)
    return manager
