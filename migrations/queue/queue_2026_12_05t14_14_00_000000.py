"""Hand-written: every ticket names the building it was issued in. The tickets issued before this column existed
get their region's building as the queue named it then (the first by name: ``api.queue.queries.PLAN_FROM``), and
the column becomes required — so the figures count each ticket in one building for good, whatever buildings the
region adds later."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import ForeignKey
from piccolo.engine import engine_finder

ID = "2026-12-05T14:14:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "the building of the tickets issued before it was recorded"

SQL = """
UPDATE queue_ticket t SET mpp = (SELECT m.id FROM catalogue_mpp m WHERE m.region = t.region ORDER BY m.name LIMIT 1)
WHERE t.mpp IS NULL;
"""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="queue", description=DESCRIPTION)

    async def run() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.current_transaction.get().connection.execute(SQL)

    # Raw statements run before the column changes: the rows are filled, then the column is made NOT NULL.
    manager.add_raw(run)
    manager.alter_column(
        table_class_name="Ticket",
        tablename="queue_ticket",
        column_name="mpp",
        db_column_name="mpp",
        params={"null": False},
        old_params={"null": True},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )
    return manager
