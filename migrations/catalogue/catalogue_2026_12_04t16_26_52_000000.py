"""Hand-written: a service's assurance level is one of the three the accounts domain derives."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T16:26:52:000000"
VERSION = "1.38.0"
DESCRIPTION = "catalogue_service.assurance values"

SQL = """
ALTER TABLE catalogue_service
    ADD CONSTRAINT catalogue_service_assurance_check CHECK (assurance IN ('phone', 'registry', 'in_person'));
"""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="catalogue", description=DESCRIPTION)

    async def run() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.current_transaction.get().connection.execute(SQL)

    manager.add_raw(run)
    return manager
