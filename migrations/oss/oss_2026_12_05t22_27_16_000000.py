"""Hand-written: what Piccolo cannot express for the OSS tables.

- statuses, codes and sources are checked by the database; a NIB is 13 digits;
- OSS's events are append-only: UPDATE, DELETE and TRUNCATE are refused;
- the reconciliation reads licences by decision time, the admins' list reads differences by region and time.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T22:27:16:000000"
VERSION = "1.38.0"
DESCRIPTION = "oss constraints, append-only events"

SQL = """
ALTER TABLE oss_licence
    ADD CONSTRAINT oss_licence_status_check CHECK (our_status IN ('approved', 'completed', 'rejected')),
    ADD CONSTRAINT oss_licence_kd_check CHECK (our_kd ~ '^[0-9]{2,3}$'
        AND (sent_kd IS NULL OR sent_kd ~ '^[0-9]{2,3}$') AND (oss_kd IS NULL OR oss_kd ~ '^[0-9]{2,3}$')),
    ADD CONSTRAINT oss_licence_nib_check CHECK (nib IS NULL OR nib ~ '^[0-9]{13}$'),
    ADD CONSTRAINT oss_licence_seq_check CHECK (seq >= 1);
CREATE INDEX oss_licence_decided_idx ON oss_licence (decided_at);

ALTER TABLE oss_licence_event
    ADD CONSTRAINT oss_licence_event_source_check CHECK (source IN ('push', 'reconcile')),
    ADD CONSTRAINT oss_licence_event_kd_check CHECK (kd_status ~ '^[0-9]{2,3}$');

ALTER TABLE oss_run ADD CONSTRAINT oss_run_counts_check CHECK (checked >= 0 AND differences >= 0 AND unanswered >= 0);
CREATE INDEX oss_run_started_idx ON oss_run (started_at DESC);

CREATE INDEX oss_difference_region_idx ON oss_difference (region, found_at DESC);

CREATE FUNCTION oss_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER oss_licence_event_append_only_trg BEFORE UPDATE OR DELETE OR TRUNCATE ON oss_licence_event
    FOR EACH STATEMENT EXECUTE FUNCTION oss_append_only();
"""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="oss", description=DESCRIPTION)

    async def run() -> None:
        # The migration's own transaction: all of this commits with it.
        engine = engine_finder()
        assert engine is not None
        await engine.current_transaction.get().connection.execute(SQL)

    manager.add_raw(run)
    return manager
