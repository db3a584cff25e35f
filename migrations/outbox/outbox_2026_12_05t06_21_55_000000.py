"""Hand-written: each consumer of the outbox claims only its own channel, from its own pending index."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T06:21:55:000000"
VERSION = "1.38.0"
DESCRIPTION = "outbox channels"

SQL = """
ALTER TABLE outbox_message ADD CONSTRAINT outbox_message_channel_check CHECK (channel ~ '^[a-z_]{1,16}$');
DROP INDEX outbox_message_pending_idx;
CREATE INDEX outbox_message_pending_idx ON outbox_message (channel, next_attempt_at, id) WHERE processed_at IS NULL;
"""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="outbox", description=DESCRIPTION)

    async def run() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.current_transaction.get().connection.execute(SQL)

    manager.add_raw(run)
    return manager
