"""Hand-written: a ticket number is unique per building and day (its letter and sequence), not per agency: a
ticket transferred to another agency keeps the number printed on the citizen's slip."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T19:12:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "queue ticket number unique per region, day, letter and sequence"

SQL = """
ALTER TABLE queue_ticket DROP CONSTRAINT queue_ticket_number_key;
ALTER TABLE queue_ticket ADD CONSTRAINT queue_ticket_number_key UNIQUE (region, day, letter, seq);
"""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="queue", description=DESCRIPTION)

    async def run() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.current_transaction.get().connection.execute(SQL)

    manager.add_raw(run)
    return manager
