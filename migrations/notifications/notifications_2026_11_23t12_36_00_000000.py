"""Hand-written: one inbox entry per message and person; one delivery per message and device."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-23T12:36:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "notifications uniqueness and inbox index"

SQL = """
CREATE UNIQUE INDEX notifications_notification_outbox_key ON notifications_notification (outbox, account);
CREATE INDEX notifications_notification_inbox_idx ON notifications_notification (account, created_at DESC);
CREATE UNIQUE INDEX notifications_delivery_key ON notifications_delivery (outbox, subscription);
"""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="notifications", description=DESCRIPTION)

    async def run() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.current_transaction.get().connection.execute(SQL)

    manager.add_raw(run)
    return manager
