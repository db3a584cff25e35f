"""Hand-written: the worker's queue index (pending messages in delivery order)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-23T12:30:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "outbox pending index"

SQL = """
CREATE INDEX outbox_message_pending_idx ON outbox_message (next_attempt_at, id) WHERE processed_at IS NULL;
"""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="outbox", description=DESCRIPTION)

    async def run() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.current_transaction.get().connection.execute(SQL)

    manager.add_raw(run)
    return manager
