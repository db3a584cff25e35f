"""Hand-written: finished messages are found by when they finished, so the retention job (api/outbox/retention.py)
deletes the oldest without reading the whole table."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T01:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "outbox retention index"

SQL = """
CREATE INDEX outbox_message_processed_idx ON outbox_message (processed_at) WHERE processed_at IS NOT NULL;
"""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="outbox", description=DESCRIPTION)

    async def run() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.current_transaction.get().connection.execute(SQL)

    manager.add_raw(run)
    return manager
