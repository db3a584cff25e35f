"""Hand-written: the values of status, one delivery per (message, endpoint) (so a retried expansion adds none), the
pending index the delivery worker claims from, and the indexes of the admin's statistics and dead letters."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T22:22:06:000000"
VERSION = "1.38.0"
DESCRIPTION = "webhooks constraints and indexes"

SQL = """
ALTER TABLE webhooks_endpoint ADD CONSTRAINT webhooks_endpoint_status_chk CHECK (status IN ('active', 'disabled'));
ALTER TABLE webhooks_delivery ADD CONSTRAINT webhooks_delivery_status_chk
    CHECK (status IN ('pending', 'delivered', 'dead'));
ALTER TABLE webhooks_endpoint ALTER COLUMN id SET DEFAULT gen_random_uuid();
ALTER TABLE webhooks_delivery ALTER COLUMN id SET DEFAULT gen_random_uuid();
CREATE INDEX webhooks_endpoint_agency_idx ON webhooks_endpoint (agency) WHERE status = 'active';
CREATE INDEX webhooks_endpoint_region_idx ON webhooks_endpoint (region);
CREATE UNIQUE INDEX webhooks_delivery_once_idx ON webhooks_delivery (message, endpoint);
CREATE INDEX webhooks_delivery_pending_idx ON webhooks_delivery (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX webhooks_delivery_recent_idx ON webhooks_delivery (endpoint, created_at);
CREATE INDEX webhooks_delivery_dead_idx ON webhooks_delivery (endpoint, dead_at) WHERE status = 'dead';
"""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="webhooks", description=DESCRIPTION)

    async def run() -> None:
        # The migration's own transaction: all of this commits with it.
        engine = engine_finder()
        assert engine is not None
        await engine.current_transaction.get().connection.execute(SQL)

    manager.add_raw(run)
    return manager
