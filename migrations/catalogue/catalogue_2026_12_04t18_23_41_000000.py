"""Hand-written: what Piccolo cannot express for admin mode's catalogue tables.

- published versions of a service standard are append-only: the database refuses UPDATE and DELETE;
- one version number per standard and scope, one draft per standard and scope (a national standard has a null
  region, hence NULLS NOT DISTINCT, PostgreSQL 15+);
- counters serve a service once; a building is closed on a day once;
- counters' services and building closures bump ``catalogue_version`` like the other catalogue tables.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T18:23:41:000000"
VERSION = "1.38.0"
DESCRIPTION = "catalogue admin: version history, drafts, counter services, closures"

SQL = """
ALTER TABLE catalogue_service_version
    ADD CONSTRAINT catalogue_service_version_key UNIQUE NULLS NOT DISTINCT (region, code, version),
    ADD CONSTRAINT catalogue_service_version_version_check CHECK (version >= 1);
ALTER TABLE catalogue_service_draft
    ADD CONSTRAINT catalogue_service_draft_key UNIQUE NULLS NOT DISTINCT (region, code);
ALTER TABLE catalogue_counter_service
    ADD CONSTRAINT catalogue_counter_service_key UNIQUE (counter, service);
ALTER TABLE catalogue_mpp_closure
    ADD CONSTRAINT catalogue_mpp_closure_key UNIQUE (mpp, day);
ALTER TABLE catalogue_service
    ADD CONSTRAINT catalogue_service_version_check CHECK (version >= 1);

CREATE FUNCTION catalogue_service_version_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'catalogue_service_version is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER catalogue_service_version_append_only_trg
    BEFORE UPDATE OR DELETE OR TRUNCATE ON catalogue_service_version
    FOR EACH STATEMENT EXECUTE FUNCTION catalogue_service_version_append_only();

CREATE TRIGGER catalogue_counter_service_touch_trg AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON catalogue_counter_service FOR EACH STATEMENT EXECUTE FUNCTION catalogue_touch();
CREATE TRIGGER catalogue_mpp_closure_touch_trg AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON catalogue_mpp_closure FOR EACH STATEMENT EXECUTE FUNCTION catalogue_touch();
"""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="catalogue", description=DESCRIPTION)

    async def run() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.current_transaction.get().connection.execute(SQL)

    manager.add_raw(run)
    return manager
