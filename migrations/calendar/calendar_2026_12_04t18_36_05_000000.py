"""Hand-written: what Piccolo cannot express for the calendar's tables.

- the kinds of day, and which scope may have which (a national day is never a libur daerah, a region's never a
  libur nasional); a removal names its reason;
- one day in force per date and scope (national: region null) — removed days stay as history beside it;
- ``calendar_day`` is append-only: DELETE and TRUNCATE are refused, and an UPDATE may only set the removal
  columns of a day not yet removed (who, when, why), once;
- statement triggers bump ``calendar_version`` and NOTIFY ``calendar_changed`` (every process reloads).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T18:36:05:000000"
VERSION = "1.38.0"
DESCRIPTION = "calendar constraints, append-only days, version and notify triggers"

SQL = """
ALTER TABLE calendar_day
    ADD CONSTRAINT calendar_day_kind_check CHECK (kind IN ('libur_nasional', 'cuti_bersama', 'libur_daerah')),
    ADD CONSTRAINT calendar_day_scope_kind_check CHECK (
        (region IS NULL AND kind <> 'libur_daerah') OR (region IS NOT NULL AND kind <> 'libur_nasional')),
    ADD CONSTRAINT calendar_day_source_check CHECK (btrim(source) <> ''),
    ADD CONSTRAINT calendar_day_removal_check CHECK (
        (removed_at IS NULL AND removed_reason IS NULL AND removed_by IS NULL)
        OR (removed_at IS NOT NULL AND btrim(removed_reason) <> ''));
ALTER TABLE calendar_year
    ADD CONSTRAINT calendar_year_year_check CHECK (year BETWEEN 1900 AND 2200);

CREATE UNIQUE INDEX calendar_day_in_force_key ON calendar_day (coalesce(region, ''), day) WHERE removed_at IS NULL;

CREATE FUNCTION calendar_day_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'UPDATE' THEN
        RAISE EXCEPTION 'calendar_day is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.removed_at IS NOT NULL THEN
        RAISE EXCEPTION 'calendar_day %: already removed', OLD.id USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF (NEW.id, NEW.region, NEW.day, NEW.kind, NEW.name_id, NEW.name_en, NEW.source, NEW.added_by, NEW.added_at)
       IS DISTINCT FROM
       (OLD.id, OLD.region, OLD.day, OLD.kind, OLD.name_id, OLD.name_en, OLD.source, OLD.added_by, OLD.added_at)
    THEN
        RAISE EXCEPTION 'calendar_day %: only the removal may be recorded', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER calendar_day_append_only_trg BEFORE UPDATE OR DELETE ON calendar_day
    FOR EACH ROW EXECUTE FUNCTION calendar_day_append_only();
CREATE TRIGGER calendar_day_no_truncate_trg BEFORE TRUNCATE ON calendar_day
    FOR EACH STATEMENT EXECUTE FUNCTION calendar_day_append_only();

INSERT INTO calendar_version (id, version, changed_at) VALUES (1, 1, now());

CREATE FUNCTION calendar_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE calendar_version SET version = version + 1, changed_at = now() WHERE id = 1;
    -- A constant payload: PostgreSQL folds identical notifications of one transaction into one.
    PERFORM pg_notify('calendar_changed', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER calendar_day_touch_trg AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON calendar_day
    FOR EACH STATEMENT EXECUTE FUNCTION calendar_touch();
CREATE TRIGGER calendar_year_touch_trg AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON calendar_year
    FOR EACH STATEMENT EXECUTE FUNCTION calendar_touch();
"""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="calendar", description=DESCRIPTION)

    async def run() -> None:
        # The migration's own transaction: all of this commits with it.
        engine = engine_finder()
        assert engine is not None
        await engine.current_transaction.get().connection.execute(SQL)

    manager.add_raw(run)
    return manager
