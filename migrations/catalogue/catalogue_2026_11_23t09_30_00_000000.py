"""Hand-written: what Piccolo cannot express.

- composite unique keys and CHECK constraints (the database, not only the app, refuses bad catalogue rows);
- the weighted full-text search vector of a service, maintained by a trigger because it includes the
  agency's names (another table), with its GIN index. The ``indonesian`` Snowball configuration is built
  into PostgreSQL 13+ (no extension), so it works on the embedded server as on a managed one;
- statement triggers that bump ``catalogue_version`` and NOTIFY ``catalogue_changed``.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-23T09:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "catalogue constraints, search vector and version triggers"

SQL = """
ALTER TABLE catalogue_region
    ADD CONSTRAINT catalogue_region_kind_check CHECK (kind IN ('kabupaten', 'kota')),
    ADD CONSTRAINT catalogue_region_code_check CHECK (code ~ '^[0-9]{4}$');
ALTER TABLE catalogue_agency
    ADD CONSTRAINT catalogue_agency_region_code_key UNIQUE (region, code);
ALTER TABLE catalogue_counter
    ADD CONSTRAINT catalogue_counter_mpp_number_key UNIQUE (mpp, number);
ALTER TABLE catalogue_service
    ADD CONSTRAINT catalogue_service_region_code_key UNIQUE (region, code),
    ADD CONSTRAINT catalogue_service_channels_check CHECK (channels IN ('online', 'counter', 'both')),
    ADD CONSTRAINT catalogue_service_fee_check CHECK (fee >= 0),
    ADD CONSTRAINT catalogue_service_sla_check CHECK (sla_days >= 0);
ALTER TABLE catalogue_service_requirement
    ADD CONSTRAINT catalogue_service_requirement_key UNIQUE (service, document_type);

ALTER TABLE catalogue_service ADD COLUMN search_vector tsvector NOT NULL DEFAULT ''::tsvector;
CREATE INDEX catalogue_service_search_idx ON catalogue_service USING gin (search_vector);

-- A: what the service is called and what people call it; B: English name and the agency;
-- C: Indonesian description and result; D: English description and result.
CREATE FUNCTION catalogue_service_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ag record;
BEGIN
    SELECT code, short_name, name_id, name_en INTO ag FROM catalogue_agency WHERE id = NEW.agency;
    NEW.search_vector :=
        setweight(to_tsvector('indonesian', coalesce(NEW.name_id, '') || ' '
                  || array_to_string(NEW.keywords, ' ')), 'A')
        || setweight(to_tsvector('indonesian', coalesce(NEW.name_en, '') || ' ' || coalesce(ag.short_name, '')
                     || ' ' || replace(coalesce(ag.code, ''), '_', ' ')), 'B')
        || setweight(to_tsvector('indonesian', coalesce(NEW.description_id, '') || ' '
                     || coalesce(NEW.output_id, '') || ' ' || coalesce(ag.name_id, '')), 'C')
        || setweight(to_tsvector('indonesian', coalesce(NEW.description_en, '') || ' '
                     || coalesce(NEW.output_en, '')), 'D');
    RETURN NEW;
END
$$;

CREATE TRIGGER catalogue_service_search_vector_trg
    BEFORE INSERT OR UPDATE ON catalogue_service
    FOR EACH ROW EXECUTE FUNCTION catalogue_service_search_vector();

-- Renaming an agency re-indexes its services.
CREATE FUNCTION catalogue_agency_reindex() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.code, NEW.short_name, NEW.name_id, NEW.name_en)
       IS DISTINCT FROM (OLD.code, OLD.short_name, OLD.name_id, OLD.name_en) THEN
        UPDATE catalogue_service SET agency = agency WHERE agency = NEW.id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER catalogue_agency_reindex_trg
    AFTER UPDATE ON catalogue_agency
    FOR EACH ROW EXECUTE FUNCTION catalogue_agency_reindex();

INSERT INTO catalogue_version (id, version, changed_at) VALUES (1, 1, now());

CREATE FUNCTION catalogue_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE catalogue_version SET version = version + 1, changed_at = now() WHERE id = 1;
    -- A constant payload: PostgreSQL folds identical notifications of one transaction into one.
    PERFORM pg_notify('catalogue_changed', '');
    RETURN NULL;
END
$$;
"""

TOUCHED = (
    "catalogue_region",
    "catalogue_mpp",
    "catalogue_agency",
    "catalogue_counter",
    "catalogue_document_type",
    "catalogue_service",
    "catalogue_service_requirement",
)
SQL += "".join(
    f"CREATE TRIGGER {table}_touch_trg AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}\n"
    "    FOR EACH STATEMENT EXECUTE FUNCTION catalogue_touch();\n"
    for table in TOUCHED
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="catalogue", description=DESCRIPTION)

    async def run() -> None:
        # The migration runs in a transaction; use its connection so that all of this commits with it.
        # asyncpg's execute() without arguments accepts several statements.
        engine = engine_finder()
        assert engine is not None
        transaction = engine.current_transaction.get()
        await transaction.connection.execute(SQL)

    manager.add_raw(run)
    return manager
