"""Hand-written: each event carries the id of the transaction that wrote it (`xid8`, PostgreSQL 13+), for the
figures' consumer (`api/stats/consumer.py`): it reads the events of the transactions that all finished before its
snapshot (PgQ's ticker does the same), so an event committed late is never skipped nor counted twice. The rows
already there get this migration's transaction id: the first catch-up counts them in pages of event ids, by
the index on (xid, id)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T09:12:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "transaction id of each event, for the figures"

SQL = """
ALTER TABLE queue_ticket_event ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX queue_ticket_event_xid_idx ON queue_ticket_event (xid, id);
"""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="queue", description=DESCRIPTION)

    async def run() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.current_transaction.get().connection.execute(SQL)

    manager.add_raw(run)
    return manager
