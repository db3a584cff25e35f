"""Hand-written: search across all regions without ranking every region's copy of a service.

At national size (514 regions) a search without a region matched tens of thousands of services, most of them the
same standard materialised into every region, and ranked each one by reading its out-of-line search vector. Here
services that a citizen cannot tell apart except by region — same code, agency, names, keywords, life events,
channels, and the same texts once the region's names are taken out — share one *search group*:

- ``catalogue_service.search_key``: md5 of those fields, set by a BEFORE trigger (the agency's code is read as the
  search vector's trigger reads the agency's names; renaming an agency re-runs both through the reindex trigger);
- ``catalogue_search_group``: one row per key with the active services' count and the first region's service as
  its representative (its search vector, inline and small enough to rank);
- statement-level triggers with transition tables refresh only the keys a statement touched (a publish to 514
  regions refreshes one group; the seed refreshes all of them once);
- ``catalogue_service_search_key_idx`` walks a group's services in region order (index-only, with the id).

A search with no region ranks the groups (hundreds, whatever the number of regions), then expands the page's
groups into services by region (``api/catalogue/search_queries.py``).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T11:21:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "catalogue search groups: one ranked row per service across regions"

SQL = r"""
ALTER TABLE catalogue_service ADD COLUMN search_key text;

CREATE FUNCTION catalogue_without_region(body text, name text, name_en text, place text) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$
    SELECT replace(replace(replace(body, name, ''), name_en, ''), place, '')
$$;

CREATE FUNCTION catalogue_service_search_key() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ag record;
    rg record;
BEGIN
    SELECT code, short_name, name_id INTO ag FROM catalogue_agency WHERE id = NEW.agency;
    SELECT name, name_en, place INTO rg FROM catalogue_region WHERE code = NEW.region;
    -- The texts the search vector is made of, without the region's names: what a standard says in every region.
    NEW.search_key := md5(concat_ws(E'\x1f', NEW.code, ag.code, ag.short_name, NEW.name_id, NEW.name_en,
        array_to_string(NEW.keywords, E'\x1e'), array_to_string(NEW.categories, E'\x1e'), NEW.channels,
        catalogue_without_region(ag.name_id, rg.name, rg.name_en, rg.place),
        catalogue_without_region(NEW.description_id, rg.name, rg.name_en, rg.place),
        catalogue_without_region(NEW.description_en, rg.name, rg.name_en, rg.place),
        catalogue_without_region(NEW.output_id, rg.name, rg.name_en, rg.place),
        catalogue_without_region(NEW.output_en, rg.name, rg.name_en, rg.place)));
    RETURN NEW;
END
$$;

CREATE TRIGGER catalogue_service_search_key_trg
    BEFORE INSERT OR UPDATE ON catalogue_service
    FOR EACH ROW EXECUTE FUNCTION catalogue_service_search_key();

CREATE TABLE catalogue_search_group (
    key text PRIMARY KEY,
    service uuid NOT NULL,
    code text NOT NULL,
    agency_code text NOT NULL,
    name_id text NOT NULL,
    name_en text NOT NULL,
    keywords text[] NOT NULL,
    categories text[] NOT NULL,
    channels text NOT NULL,
    search_vector tsvector NOT NULL,
    services integer NOT NULL CHECK (services > 0),
    min_sla_days smallint NOT NULL,  -- across the group's services, as GET /service-groups shows them
    min_fee bigint NOT NULL
);
-- Small rows: keep the vector in the row (compressed) rather than in the TOAST table.
ALTER TABLE catalogue_search_group ALTER COLUMN search_vector SET STORAGE MAIN;
CREATE INDEX catalogue_search_group_vector_idx ON catalogue_search_group USING gin (search_vector)
    WITH (fastupdate = off);
CREATE INDEX catalogue_service_search_key_idx ON catalogue_service (search_key, region) INCLUDE (id) WHERE active;

-- Recompute the groups of ``keys`` from their active services (a group without any is removed).
CREATE FUNCTION catalogue_search_group_refresh(keys text[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM catalogue_search_group g
    WHERE g.key = ANY(keys)
      AND NOT EXISTS (SELECT 1 FROM catalogue_service s WHERE s.search_key = g.key AND s.active);
    INSERT INTO catalogue_search_group AS g (key, service, code, agency_code, name_id, name_en, keywords, categories,
                                             channels, search_vector, services, min_sla_days, min_fee)
    SELECT DISTINCT ON (s.search_key) s.search_key, s.id, s.code, a.code, s.name_id, s.name_en, s.keywords,
           s.categories, s.channels, s.search_vector, count(*) OVER (PARTITION BY s.search_key),
           min(s.sla_days) OVER (PARTITION BY s.search_key), min(s.fee) OVER (PARTITION BY s.search_key)
    FROM catalogue_service s JOIN catalogue_agency a ON a.id = s.agency
    WHERE s.active AND s.search_key = ANY(keys)
    ORDER BY s.search_key, s.region
    ON CONFLICT (key) DO UPDATE SET
        service = EXCLUDED.service, code = EXCLUDED.code, agency_code = EXCLUDED.agency_code,
        name_id = EXCLUDED.name_id, name_en = EXCLUDED.name_en, keywords = EXCLUDED.keywords,
        categories = EXCLUDED.categories, channels = EXCLUDED.channels, search_vector = EXCLUDED.search_vector,
        services = EXCLUDED.services, min_sla_days = EXCLUDED.min_sla_days, min_fee = EXCLUDED.min_fee
    WHERE (g.service, g.services, g.search_vector, g.min_sla_days, g.min_fee) IS DISTINCT FROM
          (EXCLUDED.service, EXCLUDED.services, EXCLUDED.search_vector, EXCLUDED.min_sla_days, EXCLUDED.min_fee);
$$;

-- PostgreSQL allows transition tables only on single-event triggers: one function per event.
CREATE FUNCTION catalogue_search_group_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM catalogue_search_group_refresh(ARRAY(SELECT DISTINCT search_key FROM new_rows));
    RETURN NULL;
END
$$;
CREATE FUNCTION catalogue_search_group_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM catalogue_search_group_refresh(ARRAY(
        SELECT search_key FROM new_rows UNION SELECT search_key FROM old_rows));
    RETURN NULL;
END
$$;
CREATE FUNCTION catalogue_search_group_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM catalogue_search_group_refresh(ARRAY(SELECT DISTINCT search_key FROM old_rows));
    RETURN NULL;
END
$$;
CREATE TRIGGER catalogue_search_group_insert_trg AFTER INSERT ON catalogue_service
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalogue_search_group_inserted();
CREATE TRIGGER catalogue_search_group_update_trg AFTER UPDATE ON catalogue_service
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION catalogue_search_group_updated();
CREATE TRIGGER catalogue_search_group_delete_trg AFTER DELETE ON catalogue_service
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION catalogue_search_group_deleted();

-- Existing catalogues: every key by the trigger (and with it every group, once). Not on an empty one: the
-- statement would still move catalogue_version.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM catalogue_service) THEN
        UPDATE catalogue_service SET search_key = NULL;
    END IF;
END
$$;

-- What changed, said per region: every process empties only the answers that depend on it (``api.lib.cache``'s
-- ScopedCache). A region's code for anything of that region; ``*`` when what every region's lists show changed too
-- (a service's name, fee, time or activity, its group; an agency's names; a region); ``types`` for document types.
-- PostgreSQL folds identical notifications of one transaction: a statement over a region's 160 services sends one.
CREATE FUNCTION catalogue_notify_scope() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n jsonb := to_jsonb(NEW);
    o jsonb := to_jsonb(OLD);
    regions text[];
    everywhere boolean := false;
    region text;
BEGIN
    IF TG_TABLE_NAME = 'catalogue_document_type' THEN
        PERFORM pg_notify('catalogue_changed', 'types');
        RETURN NULL;
    ELSIF TG_TABLE_NAME = 'catalogue_region' THEN
        regions := ARRAY[n->>'code', o->>'code'];
        everywhere := true;
    ELSIF TG_TABLE_NAME IN ('catalogue_service', 'catalogue_agency', 'catalogue_mpp') THEN
        regions := ARRAY[n->>'region', o->>'region'];
    ELSIF TG_TABLE_NAME IN ('catalogue_counter', 'catalogue_mpp_closure') THEN
        regions := ARRAY(SELECT m.region FROM catalogue_mpp m WHERE m.id IN ((n->>'mpp')::uuid, (o->>'mpp')::uuid));
    ELSIF TG_TABLE_NAME = 'catalogue_service_requirement' THEN
        regions := ARRAY(SELECT s.region FROM catalogue_service s
                         WHERE s.id IN ((n->>'service')::uuid, (o->>'service')::uuid));
    ELSIF TG_TABLE_NAME = 'catalogue_counter_service' THEN
        regions := ARRAY(SELECT m.region FROM catalogue_counter c JOIN catalogue_mpp m ON m.id = c.mpp
                         WHERE c.id IN ((n->>'counter')::uuid, (o->>'counter')::uuid));
    END IF;
    IF TG_TABLE_NAME = 'catalogue_service' THEN
        everywhere := TG_OP <> 'UPDATE'
            OR (o->'search_key', o->'sla_days', o->'fee', o->'active', o->'agency', o->'region')
               IS DISTINCT FROM (n->'search_key', n->'sla_days', n->'fee', n->'active', n->'agency', n->'region');
    ELSIF TG_TABLE_NAME = 'catalogue_agency' THEN
        everywhere := TG_OP <> 'UPDATE'
            OR (o->'code', o->'short_name', o->'name_id', o->'name_en', o->'retired_at')
               IS DISTINCT FROM (n->'code', n->'short_name', n->'name_id', n->'name_en', n->'retired_at');
    END IF;
    FOREACH region IN ARRAY regions LOOP
        IF region IS NOT NULL THEN
            PERFORM pg_notify('catalogue_changed', region);
        END IF;
    END LOOP;
    IF everywhere THEN
        PERFORM pg_notify('catalogue_changed', '*');
    END IF;
    RETURN NULL;
END
$$;

-- The statement triggers keep bumping catalogue_version (admin mode's "the catalogue moved since" check) and say
-- the new version ("v42", after the row triggers' scopes of the same statement: a process that heard it has emptied
-- what the statement touched); the notification without a payload ("reload everything") is left to TRUNCATE,
-- which has no rows to name.
CREATE OR REPLACE FUNCTION catalogue_touch() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    moved bigint;
BEGIN
    UPDATE catalogue_version SET version = version + 1, changed_at = now() WHERE id = 1 RETURNING version INTO moved;
    PERFORM pg_notify('catalogue_changed', CASE WHEN TG_OP = 'TRUNCATE' THEN '' ELSE 'v' || moved END);
    RETURN NULL;
END
$$;
"""

SCOPED = (
    "catalogue_region",
    "catalogue_mpp",
    "catalogue_mpp_closure",
    "catalogue_agency",
    "catalogue_counter",
    "catalogue_counter_service",
    "catalogue_document_type",
    "catalogue_service",
    "catalogue_service_requirement",
)
SQL += "".join(
    f"CREATE TRIGGER {table}_scope_trg AFTER INSERT OR UPDATE OR DELETE ON {table}\n"
    "    FOR EACH ROW EXECUTE FUNCTION catalogue_notify_scope();\n"
    for table in SCOPED
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="catalogue", description=DESCRIPTION)

    async def run() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.current_transaction.get().connection.execute(SQL)

    manager.add_raw(run)
    return manager
