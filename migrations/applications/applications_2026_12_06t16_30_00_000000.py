"""Hand-written: each agency's open applications counted as they change, for the inbox's total.

The officer's inbox shows "N permohonan" over its first page. Counted with `count(*)`, that total read every open
case of the agency from the inbox index: ~6 ms for an agency with 35,000 open cases, and twice that when the
work doubles (bench/growth_bench.py, bench/RESULTS.md): the page itself is an index range of 20 rows and stays
flat. These rows keep the count as applications are submitted, decided or erased, in the same transaction, so
the total costs a few rows whatever the agency's size.

A figure derivable from the record: `applications_open_count_rebuild()` recomputes every row from
`applications_application` (the bench's bulk load calls it after COPY with the triggers off; an operator can
too), and tests compare it with `count(*)` after concurrent changes. Each change adds ±1 to one of 8 slots
(chosen by the backend's pid) so that concurrent submissions to one agency do not queue on one row's lock; the
total is the sum of the slots. Only open statuses are counted (`api.applications.statuses.OPEN`)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T16:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "open applications counted per agency and status, kept by triggers"

SQL = """
CREATE TABLE applications_open_count (
    agency uuid NOT NULL,
    status varchar(16) NOT NULL,
    slot smallint NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (agency, status, slot)
);

CREATE FUNCTION applications_open_count_add(p_agency uuid, p_status text, delta integer) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO applications_open_count AS c (agency, status, slot, n)
    VALUES (p_agency, p_status, pg_backend_pid() % 8, delta)
    ON CONFLICT (agency, status, slot) DO UPDATE SET n = c.n + excluded.n
$$;

CREATE FUNCTION applications_open_count_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.status IN ('submitted', 'in_review', 'needs_correction', 'approved') THEN
        PERFORM applications_open_count_add(OLD.agency, OLD.status, -1);
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.status IN ('submitted', 'in_review', 'needs_correction', 'approved') THEN
        PERFORM applications_open_count_add(NEW.agency, NEW.status, 1);
    END IF;
    RETURN NULL;
END
$$;

-- Drafts and finished cases never touch the counts: the WHEN clauses keep plpgsql out of their way.
CREATE TRIGGER applications_open_count_insert_trg AFTER INSERT ON applications_application
    FOR EACH ROW WHEN (NEW.status IN ('submitted', 'in_review', 'needs_correction', 'approved'))
    EXECUTE FUNCTION applications_open_count_apply();
CREATE TRIGGER applications_open_count_update_trg AFTER UPDATE OF status, agency ON applications_application
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.agency IS DISTINCT FROM NEW.agency)
    EXECUTE FUNCTION applications_open_count_apply();
CREATE TRIGGER applications_open_count_delete_trg AFTER DELETE ON applications_application
    FOR EACH ROW WHEN (OLD.status IN ('submitted', 'in_review', 'needs_correction', 'approved'))
    EXECUTE FUNCTION applications_open_count_apply();

CREATE FUNCTION applications_open_count_rebuild() RETURNS void LANGUAGE sql AS $$
    DELETE FROM applications_open_count;
    INSERT INTO applications_open_count (agency, status, slot, n)
    SELECT agency, status, 0, count(*) FROM applications_application
    WHERE status IN ('submitted', 'in_review', 'needs_correction', 'approved') GROUP BY agency, status;
$$;

CREATE FUNCTION applications_open_count_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM applications_open_count;
    RETURN NULL;
END
$$;
CREATE TRIGGER applications_open_count_truncate_trg AFTER TRUNCATE ON applications_application
    FOR EACH STATEMENT EXECUTE FUNCTION applications_open_count_truncated();

SELECT applications_open_count_rebuild();
"""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="applications", description=DESCRIPTION)

    async def run() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.current_transaction.get().connection.execute(SQL)

    manager.add_raw(run)
    return manager
