"""Hand-written: a counter's number is unique among the building's *live* counters.

A counter is retired, never deleted (queue tickets and history refer to it), so the old ``UNIQUE (mpp, number)``
would keep a retired "A3" from ever being opened again. A unique constraint cannot carry a WHERE clause; an
exclusion constraint with btree equality can, and it keeps the constraint's name (``tests/test_migrations.py``
names it). A clash raises ``exclusion_violation`` (23P01) instead of ``unique_violation``.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "catalogue_counter: number unique among live counters"

SQL = """
ALTER TABLE catalogue_counter DROP CONSTRAINT catalogue_counter_mpp_number_key;
ALTER TABLE catalogue_counter ADD CONSTRAINT catalogue_counter_mpp_number_key
    EXCLUDE USING btree (mpp WITH =, number WITH =) WHERE (retired_at IS NULL);
"""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="catalogue", description=DESCRIPTION)

    async def run() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.current_transaction.get().connection.execute(SQL)

    manager.add_raw(run)
    return manager
